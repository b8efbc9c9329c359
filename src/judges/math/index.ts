import { DEFAULT_MATH_POLICY } from './policy.ts';
import { MathWorkerPool } from './worker-pool.ts';

export { mathJudge, toVerdict, type MathJudgeOptions } from './judge.ts';
export { verifyMath, type MathVerification } from './verify.ts';
export { DEFAULT_MATH_POLICY, mathPolicy, type MathPolicy } from './policy.ts';
export { MathWorkerPool } from './worker-pool.ts';
export { extractAnswer, type Extraction } from './extract.ts';

let shared: MathWorkerPool | null = null;

/**
 * Are two final answers the same (for majority vote)? Runs in the shared worker pool with the default policy and
 * its time limit; an undecidable or timed-out comparison counts as "not equivalent".
 */
export async function mathAnswersEquivalent(a: string, b: string): Promise<boolean> {
  shared ??= new MathWorkerPool({ ...DEFAULT_MATH_POLICY });
  return (await shared.verify(a, b)).verdict === 'pass';
}
