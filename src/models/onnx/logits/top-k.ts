import { sortedIndices, type LogitsProcessor } from './processor.ts';

/** Keep the k most likely tokens. */
export class TopK implements LogitsProcessor {
  readonly name = 'top_k';
  constructor(private readonly k: number) {}

  apply(logits: Float32Array): void {
    if (this.k >= logits.length) return;
    const order = sortedIndices(logits);
    for (let r = this.k; r < order.length; r++) logits[order[r]] = -Infinity;
  }
}
