import type { LogitsProcessor } from './processor.ts';

export class Temperature implements LogitsProcessor {
  readonly name = 'temperature';
  constructor(private readonly temperature: number) {}

  apply(logits: Float32Array): void {
    const inv = 1 / this.temperature;
    for (let i = 0; i < logits.length; i++) logits[i] *= inv;
  }
}
