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
  // Count of non-overlapping $$, as text.match(/\$\$/g) finds them.
  let pairs = 0;
  for (let at = text.indexOf('$$'); at >= 0; at = text.indexOf('$$', at + 2)) pairs++;
  return pairs % 2 === 1;
}

export function truncation(response: string, finishReason: string | undefined, thinkOpened: boolean, thinkClosed: boolean): Truncation {
  const trimmed = response.trimEnd();
  const ending = trimmed.slice(-40);
  if (finishReason === 'length') return { truncated: true, sign: 'length', ending };
  if (thinkOpened && !thinkClosed) return { truncated: true, sign: 'unclosed-think', ending };
  // The end patterns only look at the last few characters, but a regex anchored with $ still scans the whole
  // response from the start: give each only a tail long enough for its longest match and the \b before it.
  const end = trimmed.endsWith('</answer>') ? 9 : trimmed.endsWith('<|end_of_solution|>') ? 19 : 0;
  const last = (end ? trimmed.slice(0, -end) : trimmed).trimEnd();
  if (last !== '' && (DANGLING_MARK.test(last.slice(-2)) || DANGLING_WORD.test(last.slice(-9)) || DANGLING_ZH.test(last.slice(-4)) || unbalancedTail(last))) {
    return { truncated: true, sign: 'mid-sentence', ending };
  }
  return { truncated: false, sign: null, ending };
}
