import { z } from 'zod';
import { ChatMessage } from './chat.ts';
import { VerdictCategory } from './verdict.ts';

/**
 * Rows of the corpora. These zod objects are the single source of truth: the Parquet schema of each corpus
 * (src/sinks/parquet-schema.ts) and the JSON Schema files (schemas/json/) are derived from them.
 * Column names are snake_case, as users query them in DuckDB and pandas.
 * Nested judge detail is kept as JSON text (`detail_json`) so the columns stay typed and stable.
 */
export const VerdictColumn = z.object({
  judge: z.string(),
  verdict: z.string(),
  /** Machine-readable kind of the decision (schemas/verdict.ts VERDICT_CATEGORIES): what reports group by. */
  category: VerdictCategory,
  score: z.number().nullable(),
  reason: z.string(),
  detail_json: z.string().nullable(),
});

const tokens = {
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
};

/** `sft/`: chat rows that feed TRL's SFTTrainer as is. */
export const SftRecord = z.object({
  id: z.string(),
  prompt_id: z.string(),
  messages: z.array(ChatMessage),
  domain: z.string(),
  source: z.string(),
  ...tokens,
  reward: z.number().nullable(),
});
export type SftRecord = z.infer<typeof SftRecord>;

/** `distill/`: teacher-forcing rows for distillation. */
export const DistillRecord = z.object({
  id: z.string(),
  prompt_id: z.string(),
  prompt: z.string(),
  prompt_messages: z.array(ChatMessage),
  reasoning: z.string(),
  /** The text after `</think>` as written (markup included: `<answer>19</answer>`, `\boxed{29}`). */
  answer: z.string(),
  /**
   * The final answer extracted from it: what the math judge read (`detail.extractedResponse`), else the `<answer>`
   * content or the last `\boxed{}`; null when there is none.
   */
  final_answer: z.string().nullable(),
  reference: z.string().nullable(),
  teacher: z.string(),
  temperature: z.number(),
  top_p: z.number(),
  max_tokens: z.number().int(),
  seed: z.number().int(),
  config_hash: z.string(),
  verdicts: z.array(VerdictColumn),
  pass_rate: z.number(),
  domain: z.string(),
  source: z.string(),
  ...tokens,
});
export type DistillRecord = z.infer<typeof DistillRecord>;

/** `samples/`: every sample, accepted or not, with its verdicts: the audit trail. */
export const SampleRecord = z.object({
  key: z.string(),
  prompt_id: z.string(),
  sample_index: z.number().int(),
  config_hash: z.string(),
  domain: z.string(),
  source: z.string(),
  prompt: z.string(),
  reference: z.string().nullable(),
  response: z.string(),
  reasoning: z.string(),
  answer: z.string(),
  finish_reason: z.string(),
  model: z.string(),
  ...tokens,
  error: z.string().nullable(),
  verdicts: z.array(VerdictColumn),
  accepted: z.boolean(),
  selected: z.boolean(),
  reward: z.number().nullable(),
  pass_rate: z.number(),
  /** Rule-vs-generative disagreement, e.g. "math:fail/generative:pass"; null when they agree or only one ran. */
  disagreement: z.string().nullable(),
});
export type SampleRecord = z.infer<typeof SampleRecord>;

/** `prefs/`: preference pairs (accepted vs rejected of the same prompt), TRL DPO conversational format. */
export const PrefRecord = z.object({
  id: z.string(),
  prompt_id: z.string(),
  prompt: z.array(ChatMessage),
  chosen: z.array(ChatMessage),
  rejected: z.array(ChatMessage),
  chosen_key: z.string(),
  rejected_key: z.string(),
  chosen_reward: z.number().nullable(),
  rejected_reward: z.number().nullable(),
  domain: z.string(),
});
export type PrefRecord = z.infer<typeof PrefRecord>;

/** Quarantined input rows (JSONL under quarantine/): where, why, and the raw text (capped). */
export const QuarantineRecord = z.object({
  file: z.string(),
  line: z.number().int(),
  reason: z.string(),
  raw: z.string(),
});
export type QuarantineRecord = z.infer<typeof QuarantineRecord>;

export const CORPORA = { sft: SftRecord, distill: DistillRecord, samples: SampleRecord, prefs: PrefRecord } as const;
export type CorpusName = keyof typeof CORPORA;
export type CorpusRow<C extends CorpusName> = z.infer<(typeof CORPORA)[C]>;
