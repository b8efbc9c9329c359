import type { GenerationConfig } from '../../../../schemas/generation.ts';
import { MinP } from './min-p.ts';
import type { LogitsProcessor } from './processor.ts';
import { RepetitionPenalty } from './repetition-penalty.ts';
import { Temperature } from './temperature.ts';
import { TopK } from './top-k.ts';
import { TopP } from './top-p.ts';

export type { LogitsProcessor } from './processor.ts';

/**
 * The processors a generation config asks for, in Hugging Face's order: repetition penalty, temperature,
 * top-k, top-p, min-p. Temperature 0 means greedy: only the repetition penalty applies, then argmax.
 */
export function logitsProcessors(config: Pick<GenerationConfig, 'temperature' | 'topK' | 'topP' | 'minP' | 'repetitionPenalty'>): LogitsProcessor[] {
  const list: LogitsProcessor[] = [];
  if (config.repetitionPenalty !== 1) list.push(new RepetitionPenalty(config.repetitionPenalty));
  if (config.temperature === 0) return list;
  if (config.temperature !== 1) list.push(new Temperature(config.temperature));
  if (config.topK > 0) list.push(new TopK(config.topK));
  if (config.topP < 1) list.push(new TopP(config.topP));
  if (config.minP > 0) list.push(new MinP(config.minP));
  return list;
}

/** Argmax (lowest index on ties). */
export function greedyToken(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Draw from softmax(logits) with one uniform number u in [0, 1). */
export function sampleToken(logits: Float32Array, u: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
  let target = u * total;
  let last = 0;
  for (let i = 0; i < logits.length; i++) {
    const w = Math.exp(logits[i] - max);
    if (w === 0) continue;
    last = i;
    target -= w;
    if (target < 0) return i;
  }
  return last; // rounding left a sliver: the last token with weight
}
