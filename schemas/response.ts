/**
 * Split an R1-style response into reasoning and final answer. The answer is what follows the last `</think>`;
 * a response with no `</think>` has no final answer (truncated or malformed). Tags are matched case-sensitively
 * (the format judge reports wrong-case tags).
 */
export interface ResponseParts {
  reasoning: string;
  answer: string;
  /** true when `</think>` was found. */
  thinkClosed: boolean;
}

export function splitResponse(response: string): ResponseParts {
  const close = response.lastIndexOf('</think>');
  if (close < 0) {
    const open = response.indexOf('<think>');
    return { reasoning: (open >= 0 ? response.slice(open + 7) : response).trim(), answer: '', thinkClosed: false };
  }
  const open = response.indexOf('<think>');
  const reasoning = response.slice(open >= 0 && open < close ? open + 7 : 0, close).trim();
  return { reasoning, answer: response.slice(close + 8).trim(), thinkClosed: true };
}

/** Content of the last `\boxed{…}` (braces balanced, trimmed); null when none. */
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
 * The final answer only (what open-r1 and NeMo-Skills hand a correctness judge): the `<answer>` content (also when
 * a stop string ate `</answer>`), narrowed to its last `\boxed{}`; else the last `\boxed{}` after `</think>`; else
 * the whole text after `</think>`. '' when the reasoning never closed.
 */
export function finalAnswer(response: string): string {
  const { answer, thinkClosed } = splitResponse(response);
  if (!thinkClosed) return '';
  const tag = /<answer>([\s\S]*?)(?:<\/answer>|$)/.exec(answer);
  if (tag && tag[1].trim() !== '') return lastBoxed(tag[1]) ?? tag[1].trim();
  return lastBoxed(answer) ?? answer.trim();
}
