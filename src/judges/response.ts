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
