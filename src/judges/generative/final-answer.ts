import { splitResponse } from '../response.ts';

/** Content of the last \boxed{…}, braces balanced; null when none. */
export function lastBoxed(text: string): string | null {
  const at = text.lastIndexOf('\\boxed{');
  if (at < 0) return null;
  let depth = 0;
  for (let i = at + 6; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(at + 7, i).trim();
  }
  return null;
}

/**
 * The final answer only (what open-r1 and NeMo-Skills hand a correctness judge): the `<answer>` content, else the
 * last \boxed{}, else the whole text after `</think>`. '' when the reasoning never closed.
 */
export function finalAnswerOf(response: string): string {
  const { answer, thinkClosed } = splitResponse(response);
  if (!thinkClosed) return '';
  const tag = /<answer>([\s\S]*?)(?:<\/answer>|$)/.exec(answer);
  if (tag && tag[1].trim() !== '') return lastBoxed(tag[1]) ?? tag[1].trim();
  return lastBoxed(answer) ?? answer.trim();
}
