/**
 * Truncation: the response was cut before it ended. Three signs, any one is enough:
 * - the backend says so (finish reason `length`);
 * - the reasoning was opened and never closed (no `</think>`);
 * - the text stops mid-sentence: it ends on a connective mark or word, or inside an open formula or bracket.
 */
export interface Truncation {
  truncated: boolean;
  /** 'length' | 'unclosed-think' | 'mid-sentence' | null */
  sign: 'length' | 'unclosed-think' | 'mid-sentence' | null;
  ending: string;
}

const DANGLING_MARK = /[,;:(\[{+\-−=*/^_\\&|<]$|[，、：；（]$/u;
const DANGLING_WORD = /\b(the|a|an|and|or|of|to|in|is|are|for|with|that|which|so|but|then|because|by|from|as|we|if)$/i;
const DANGLING_ZH = /(的|和|是|在|把|被|与|或|因为|所以|然后|如果|我们)$/u;

/** A display or inline formula left open at the end: an unfinished formula. */
function unbalancedTail(text: string): boolean {
  const lastDisplay = text.lastIndexOf('\\[');
  if (lastDisplay >= 0 && text.indexOf('\\]', lastDisplay) < 0) return true;
  const lastInline = text.lastIndexOf('\\(');
  if (lastInline >= 0 && text.indexOf('\\)', lastInline) < 0) return true;
  return (text.match(/\$\$/g) ?? []).length % 2 === 1;
}

export function truncation(response: string, finishReason: string | undefined, thinkOpened: boolean, thinkClosed: boolean): Truncation {
  const trimmed = response.trimEnd();
  const ending = trimmed.slice(-40);
  if (finishReason === 'length') return { truncated: true, sign: 'length', ending };
  if (thinkOpened && !thinkClosed) return { truncated: true, sign: 'unclosed-think', ending };
  const last = trimmed.replace(/(<\/answer>|<\|end_of_solution\|>)$/, '').trimEnd();
  if (last !== '' && (DANGLING_MARK.test(last) || DANGLING_WORD.test(last) || DANGLING_ZH.test(last) || unbalancedTail(last))) {
    return { truncated: true, sign: 'mid-sentence', ending };
  }
  return { truncated: false, sign: null, ending };
}
