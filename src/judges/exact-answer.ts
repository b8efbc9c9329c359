import { checkOptionKeys } from '../config/strict-options.ts';
import { responseOf } from '../../schemas/sample.ts';
import { verdict } from '../../schemas/verdict.ts';
import { finalAnswer } from '../../schemas/response.ts';
import { perSampleJudge, type Judge } from './judge.ts';

export interface ExactAnswerOptions {
  /** Judge name in verdicts (default "exact"). */
  name?: string;
  /** Compare case-insensitively (default false). */
  ignoreCase?: boolean;
}

export const normaliseWhitespace = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Plain exact-answer judge: pass when the final answer equals the prompt's reference after whitespace
 * normalisation. No reference → `error` (the judge cannot decide). For math equivalence use mathJudge().
 */
export function exactAnswerJudge(options: ExactAnswerOptions = {}): Judge {
  checkOptionKeys('exactAnswerJudge', options, ['name', 'ignoreCase']);
  const name = options.name ?? 'exact';
  const norm = (s: string) => (options.ignoreCase ? normaliseWhitespace(s).toLowerCase() : normaliseWhitespace(s));
  return perSampleJudge(name, { ignoreCase: options.ignoreCase ?? false }, (prompt, sample) => {
    if (prompt.reference === null || prompt.reference.trim() === '') return verdict(name, 'error', 'no reference answer for this prompt', { category: 'no_reference' });
    const answer = finalAnswer(responseOf(sample));
    if (answer === '') return verdict(name, 'fail', 'no final answer', { category: 'no_answer', detail: { reference: prompt.reference } });
    const ok = norm(answer) === norm(prompt.reference);
    return verdict(name, ok ? 'pass' : 'fail', ok ? 'answer matches reference' : 'answer differs from reference', { category: ok ? 'ok' : 'wrong_answer', detail: { answer, reference: prompt.reference } });
  });
}
