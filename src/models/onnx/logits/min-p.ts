import type { LogitsProcessor } from './processor.ts';

/** Keep tokens whose probability is at least minP times that of the most likely token. */
export class MinP implements LogitsProcessor {
  readonly name = 'min_p';
  constructor(private readonly minP: number) {}

  apply(logits: Float32Array): void {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
    const floor = max + Math.log(this.minP); // p_i >= minP * p_max  <=>  l_i >= l_max + ln(minP)
    for (let i = 0; i < logits.length; i++) if (logits[i] < floor) logits[i] = -Infinity;
  }
}
