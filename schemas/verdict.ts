import { z } from 'zod';

/**
 * Tri-state verdict. `error` means the judge could not decide (timeout, crash, unparseable reference,
 * backend down): never counted as a wrong answer, reported separately.
 */
export const VerdictValue = z.enum(['pass', 'fail', 'error']);
export type VerdictValue = z.infer<typeof VerdictValue>;

/**
 * Why a judge decided what it did, as a fixed word that reports group by (the free-text `reason` says the
 * particulars: "16 ≠ 14" is one reason per pair, `wrong_answer` is one category). docs/quality.md lists which judge
 * gives which. A category is orthogonal to the verdict value: `timeout` is an `error` of the math judge (it could not
 * decide) and a `fail` of the code judge (the program ran too long).
 */
export const VERDICT_CATEGORIES = [
  // A pass.
  'ok',
  // Answers (math, exact, majority, generative correctness, code).
  'wrong_answer',
  'no_answer',
  'hedged',
  'unit_mismatch',
  'truncated',
  // Programs (code).
  'timeout',
  'memory_limit',
  'runtime_error',
  'output_limit',
  // Readability.
  'language_mixing',
  'repetition',
  'wall_of_text',
  'no_summary',
  'code_in_reasoning',
  // R1 output format.
  'format_tag_case',
  'format_think',
  'format_unclosed_think',
  'format_answer_tag',
  'format_no_answer',
  // Rated answers (generative helpfulness / harmlessness).
  'low_score',
  'harmful',
  // The judge could not decide (usually `error`).
  'no_reference',
  'unparseable_reference',
  'undecidable',
  'no_majority',
  'invalid_case',
  'invalid_input',
  'sandbox_error',
  'backend_error',
  'judge_unreadable',
  'judge_error',
  // A verdict from a judge that sets none, or read back from a build written before categories existed.
  'uncategorised',
] as const;

export const VerdictCategory = z.enum(VERDICT_CATEGORIES);
export type VerdictCategory = z.infer<typeof VerdictCategory>;

export const Verdict = z.object({
  judge: z.string().min(1),
  verdict: VerdictValue,
  /** Machine-readable kind of the decision (see VERDICT_CATEGORIES); `ok` on a pass. */
  category: VerdictCategory.default('uncategorised'),
  /** Optional score in [0, 1] (readability, reward-like judges). */
  score: z.number().nullable().default(null),
  reason: z.string(),
  /** Judge-specific detail (what was extracted, which test failed …); stored as JSON text in Parquet. */
  detail: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type Verdict = z.infer<typeof Verdict>;

interface VerdictExtra {
  score?: number | null;
  detail?: Record<string, unknown> | null;
}

/**
 * Make a verdict. A pass is `ok` unless told otherwise; a fail or an error must say its category, so a judge cannot
 * forget it (the compiler asks).
 */
export function verdict(judge: string, v: 'pass', reason: string, extra?: VerdictExtra & { category?: VerdictCategory }): Verdict;
export function verdict(judge: string, v: VerdictValue, reason: string, extra: VerdictExtra & { category: VerdictCategory }): Verdict;
export function verdict(judge: string, v: VerdictValue, reason: string, extra: VerdictExtra & { category?: VerdictCategory } = {}): Verdict {
  return { judge, verdict: v, category: extra.category ?? (v === 'pass' ? 'ok' : 'uncategorised'), reason, score: extra.score ?? null, detail: extra.detail ?? null };
}
