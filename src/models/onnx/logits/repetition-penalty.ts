import type { LogitsProcessor } from './processor.ts';

/** CTRL-style repetition penalty over the tokens generated so far: positive logits divided, negative multiplied. */
export class RepetitionPenalty implements LogitsProcessor {
  readonly name = 'repetition_penalty';
  constructor(private readonly penalty: number) {}

  apply(logits: Float32Array, generated: readonly number[]): void {
    for (const id of new Set(generated)) {
      const v = logits[id];
      logits[id] = v > 0 ? v / this.penalty : v * this.penalty;
    }
  }
}
