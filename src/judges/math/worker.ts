import { parentPort } from 'node:worker_threads';
import type { MathPolicy } from './policy.ts';
import { verifyMath } from './verify.ts';

/** Worker side of the pool: one verification per message; a crash is reported as an error verdict. */
export interface VerifyRequest {
  id: number;
  reference: string;
  answer: string;
  question?: string;
  policy: MathPolicy;
}

parentPort!.on('message', (req: VerifyRequest) => {
  try {
    parentPort!.postMessage({ id: req.id, result: verifyMath(req.reference, req.answer, req.policy, req.question) });
  } catch (e) {
    parentPort!.postMessage({
      id: req.id,
      result: { verdict: 'error', category: 'judge_error', reason: `math verifier crashed: ${(e as Error).message}`, extracted: { reference: null, response: null } },
    });
  }
});
