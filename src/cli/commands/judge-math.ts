import { availableParallelism } from 'node:os';
import { judgeSpec, runJsonlJudgeCommand } from '../jsonl-judge-command.ts';
import { UsageError } from '../args.ts';
import { splitResponse } from '../../../schemas/response.ts';
import { mathPolicy } from '../../judges/math/policy.ts';
import { MathWorkerPool } from '../../judges/math/worker-pool.ts';

export const spec = judgeSpec('math', {
  summary: 'Judge final answers against references with math equivalence (fractions, LaTeX, intervals, units), in worker threads.',
  input: '"reference" (or "gold"), "response" (or "pred"), optional "id"',
  output: '{id?, verdict, category, reason, extracted}',
  flags: {
    'timeout-ms': { type: 'string', value: 'MS', help: 'time limit of one verification (default 5000)' },
    r1: { type: 'boolean', help: 'the response is R1 output: only the part after </think> counts; no </think> means no final answer' },
  },
});

const asText = (v: unknown): string | null => (v === undefined || v === null ? null : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v));

/** `distillery judge math`: judge a JSONL file of (reference, response) pairs in the worker pool. */
export async function run(argv: string[]): Promise<number> {
  let pool: MathWorkerPool | null = null;
  let r1 = false;
  try {
    return await runJsonlJudgeCommand(
      argv,
      spec,
      async (row) => {
        const reference = asText(row.reference ?? row.gold);
        const response = asText(row.response ?? row.pred);
        if (reference === null) return { verdict: 'error', category: 'no_reference', reason: 'line has no "reference" (or "gold")', extracted: null };
        if (response === null) return { verdict: 'error', category: 'invalid_input', reason: 'line has no "response" (or "pred")', extracted: null };
        let answer = response;
        if (r1 || response.includes('</think>') || response.includes('<think>')) {
          const parts = splitResponse(response);
          if (!parts.thinkClosed) return { verdict: 'fail', category: 'no_answer', reason: 'no final answer: the response never closes </think>', extracted: null };
          answer = parts.answer;
        }
        const v = await pool!.verify(reference, answer, asText(row.prompt ?? row.question ?? row.problem) ?? undefined);
        return { verdict: v.verdict, category: v.category, reason: v.reason, extracted: v.extracted };
      },
      {
        concurrency: Math.max(2, availableParallelism() * 2),
        onOptions: (values) => {
          const timeout = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
          if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) throw new UsageError('--timeout-ms must be a positive number');
          r1 = values.r1 === true;
          pool = new MathWorkerPool(mathPolicy(timeout ? { timeoutMs: timeout } : {}));
        },
      },
    );
  } finally {
    await (pool as MathWorkerPool | null)?.close();
  }
}
