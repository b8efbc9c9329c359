import { z } from 'zod';

/**
 * How to sample (vLLM's SamplingParams in spirit): one frozen object, hashed into every sample key.
 * `k` is how many samples per prompt. Strict: a misspelt option is an error, not a silent default.
 */
export const GenerationConfig = z.strictObject({
  k: z.number().int().min(1).max(1024).default(4),
  temperature: z.number().min(0).max(5).default(0.8),
  topP: z.number().gt(0).max(1).default(1),
  topK: z.number().int().min(0).default(0),
  minP: z.number().min(0).max(1).default(0),
  repetitionPenalty: z.number().gt(0).default(1),
  maxTokens: z.number().int().min(1).default(512),
  seed: z.number().int().min(0).default(0),
  stop: z.array(z.string()).default([]),
});
export type GenerationConfig = z.infer<typeof GenerationConfig>;
export type GenerationConfigInput = z.input<typeof GenerationConfig>;
