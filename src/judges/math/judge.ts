import { promptText, type Prompt } from '../../../schemas/prompt.ts';
import { responseOf, type Sample } from '../../../schemas/sample.ts';
import { verdict, type Verdict } from '../../../schemas/verdict.ts';
import type { Judge } from '../judge.ts';
import { splitResponse } from '../../../schemas/response.ts';
import { mathPolicy, type MathPolicy } from './policy.ts';
import { verifyMath, type MathVerification } from './verify.ts';
import { MathWorkerPool } from './worker-pool.ts';
import { z } from 'zod';
import { parseOptions } from '../../config/strict-options.ts';

export interface MathJudgeOptions {
  /** Overrides of the equivalence policy (see policy.ts); part of the config hash. */
  policy?: Partial<MathPolicy>;
  /** Worker threads (default: one per core). */
  workers?: number;
}

const MathJudgeSchema = z.strictObject({
  policy: z
    .strictObject({
      relationAsSet: z.boolean(),
      decimalDigitsForExact: z.number().int().min(1),
      roundToDecimalReference: z.boolean(),
      relativeTolerance: z.number().min(0),
      samplePoints: z.number().int().min(1),
      rejectHedges: z.boolean(),
      percentMatchesBare: z.boolean(),
      timeoutMs: z.number().positive(),
    } satisfies Record<keyof MathPolicy, z.ZodType>)
    .partial()
    .optional(),
  workers: z.number().int().min(1).optional(),
});

/** Turn a verification into the judge's Verdict; `detail` holds what was read on each side. */
export function toVerdict(v: MathVerification): Verdict {
  return verdict('math', v.verdict, v.reason, { category: v.category, detail: { extractedReference: v.extracted.reference, extractedResponse: v.extracted.response } });
}

/** LaTeX commands whose presence keeps an input bounded: structure and plain arithmetic only. */
const BOUNDED_COMMANDS = /\\(?:boxed|d?frac|tfrac|text|mathrm|textbf|mathbf|left|right|cdot|times|div|pm|sqrt|pi|quad|qquad)(?![A-Za-z])|\\[,;:()[\] $%{}]/g;

/**
 * Inputs the verifier finishes in microseconds whatever they hold: short, with no powers (`^`, `**`), factorials
 * (`!`) or LaTeX commands beyond a few structural ones (so no `\binom`, `\overline`, …). Those are verified on the
 * calling thread — the same function, so the same verdict — and skip a worker round trip, which cost more than the
 * check (~55 µs a message against ~30 µs of work on the scale build). The rest go to the workers and their time limit.
 */
export function boundedMathInput(s: string): boolean {
  if (s.length > 400 || /[\^!]|\*\*/.test(s)) return false;
  return !s.replace(BOUNDED_COMMANDS, '').includes('\\');
}

/**
 * Rule judge for math: the final answer (after `</think>`) against the prompt's `reference`. A response without
 * `</think>`, or cut off by the length limit, has no final answer and fails; a prompt without a reference, or with
 * one that cannot be read, is an `error` (never a pass).
 */
export function mathJudge(options: MathJudgeOptions = {}): Judge {
  parseOptions('mathJudge', MathJudgeSchema, options);
  const policy = mathPolicy(options.policy);
  let pool: MathWorkerPool | null = null;
  const judgeOne = async (prompt: Prompt, sample: Sample): Promise<Verdict> => {
    if (sample.finishReason === 'error') return verdict('math', 'error', `sample ${sample.key} has no output: ${sample.error ?? 'backend error'}`, { category: 'backend_error' });
    if (prompt.reference === null || prompt.reference.trim() === '') return verdict('math', 'error', `prompt ${prompt.id} has no reference answer`, { category: 'no_reference' });
    const parts = splitResponse(responseOf(sample));
    if (!parts.thinkClosed) {
      return sample.finishReason === 'length'
        ? verdict('math', 'fail', 'truncated: cut at the length limit before </think>', { category: 'truncated' })
        : verdict('math', 'fail', 'no final answer: the response never closes </think>', { category: 'no_answer' });
    }
    if (parts.answer === '') return verdict('math', 'fail', 'no final answer after </think>', { category: 'no_answer' });
    const question = promptText(prompt);
    if (boundedMathInput(prompt.reference) && boundedMathInput(parts.answer)) return toVerdict(verifyMath(prompt.reference, parts.answer, policy, question));
    pool ??= new MathWorkerPool(policy, options.workers);
    return toVerdict(await pool.verify(prompt.reference, parts.answer, question));
  };
  return {
    name: 'math',
    describe: () => ({ name: 'math', policy: { ...policy } }),
    judge: (prompt, samples) => Promise.all(samples.map((s) => judgeOne(prompt, s))),
    close: async () => {
      await pool?.close();
      pool = null;
    },
  };
}
