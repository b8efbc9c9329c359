import { z } from 'zod';

/**
 * Tri-state verdict. `error` means the judge could not decide (timeout, crash, unparseable reference,
 * backend down): never counted as a wrong answer, reported separately.
 */
export const VerdictValue = z.enum(['pass', 'fail', 'error']);
export type VerdictValue = z.infer<typeof VerdictValue>;

export const Verdict = z.object({
  judge: z.string().min(1),
  verdict: VerdictValue,
  /** Optional score in [0, 1] (readability, reward-like judges). */
  score: z.number().nullable().default(null),
  reason: z.string(),
  /** Judge-specific detail (what was extracted, which test failed …); stored as JSON text in Parquet. */
  detail: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type Verdict = z.infer<typeof Verdict>;

export function verdict(judge: string, v: VerdictValue, reason: string, extra: { score?: number | null; detail?: Record<string, unknown> | null } = {}): Verdict {
  return { judge, verdict: v, reason, score: extra.score ?? null, detail: extra.detail ?? null };
}
