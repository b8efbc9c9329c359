import { sortedIndices, type LogitsProcessor } from './processor.ts';

/** Nucleus sampling: keep the most likely tokens until their probability mass reaches p (at least one). */
export class TopP implements LogitsProcessor {
  readonly name = 'top_p';
  constructor(private readonly p: number) {}

  apply(logits: Float32Array): void {
    const order = sortedIndices(logits);
    const max = logits[order[0]];
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i] - max);
    let mass = 0;
    let r = 0;
    for (; r < order.length; r++) {
      mass += Math.exp(logits[order[r]] - max) / total;
      if (mass >= this.p) break;
    }
    for (let j = r + 1; j < order.length; j++) logits[order[j]] = -Infinity;
  }
}
