import { z } from 'zod';

export const FinishReason = z.enum(['stop', 'length', 'error']);
export type FinishReason = z.infer<typeof FinishReason>;

/**
 * One generated answer. Identity is the sample key: (prompt id, sample index, generation-config hash).
 * `text` is the completion as the model produced it; `prefill` is what the chat template put in the
 * assistant turn before it (e.g. "<think>\n" for R1-style templates), so `prefill + text` is the response.
 */
export const Sample = z.object({
  key: z.string(),
  promptId: z.string(),
  index: z.number().int().min(0),
  configHash: z.string(),
  prefill: z.string().default(''),
  text: z.string(),
  finishReason: FinishReason,
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  model: z.string(),
  /** Set when the backend could not produce this sample (finishReason 'error'): what failed. */
  error: z.string().nullable().default(null),
});
export type Sample = z.infer<typeof Sample>;

/** Sample key string: stable, sortable, readable. */
export function sampleKey(promptId: string, index: number, configHash: string): string {
  return `${promptId}#${index}@${configHash}`;
}

/** The full assistant response a judge should read. */
export function responseOf(s: Pick<Sample, 'prefill' | 'text'>): string {
  return s.prefill + s.text;
}
