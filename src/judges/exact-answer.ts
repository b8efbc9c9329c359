import { responseOf } from '../../schemas/sample.ts';
import { verdict } from '../../schemas/verdict.ts';
import { splitResponse } from './response.ts';
import { perSampleJudge, type Judge } from './judge.ts';

export interface ExactAnswerOptions {
  /** Judge name in verdicts (default "exact"). */
  name?: string;
  /** Compare case-insensitively (default false). */
  ignoreCase?: boolean;
}

/** Content of the last `\boxed{…}` (braces balanced), or null. */
export function lastBoxed(text: string): string | null {
  const at = text.lastIndexOf('\\boxed{');
  if (at < 0) return null;
  let depth = 0;
  for (let i = at + 6; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(at + 7, i);
  }
  return null;
}

/**
 * The final answer of an R1-style response: what follows `</think>`, narrowed to the `<answer>…</answer>` content
 * when there is one, else to the last `\boxed{}` when there is one. '' when the reasoning never closed.
 */
export function finalAnswer(response: string): string {
  const { answer, thinkClosed } = splitResponse(response);
  if (!thinkClosed) return '';
  const tagged = /<answer>([\s\S]*?)<\/answer>/.exec(answer);
  if (tagged) return lastBoxed(tagged[1]) ?? tagged[1].trim();
  return lastBoxed(answer) ?? answer;
}

export const normaliseWhitespace = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Plain exact-answer judge: pass when the final answer equals the prompt's reference after whitespace
 * normalisation. No reference → `error` (the judge cannot decide). For math equivalence use mathJudge().
 */
export function exactAnswerJudge(options: ExactAnswerOptions = {}): Judge {
  const name = options.name ?? 'exact';
  const norm = (s: string) => (options.ignoreCase ? normaliseWhitespace(s).toLowerCase() : normaliseWhitespace(s));
  return perSampleJudge(name, { ignoreCase: options.ignoreCase ?? false }, (prompt, sample) => {
    if (prompt.reference === null || prompt.reference.trim() === '') return verdict(name, 'error', 'no reference answer for this prompt');
    const answer = finalAnswer(responseOf(sample));
    if (answer === '') return verdict(name, 'fail', 'no final answer', { detail: { reference: prompt.reference } });
    const ok = norm(answer) === norm(prompt.reference);
    return verdict(name, ok ? 'pass' : 'fail', ok ? 'answer matches reference' : 'answer differs from reference', { detail: { answer, reference: prompt.reference } });
  });
}
