/**
 * A sampling rule: one small object with one call that rewrites a row of logits in place (transformers.js
 * `logits_process` in spirit). Filters set excluded tokens to -Infinity.
 */
export interface LogitsProcessor {
  readonly name: string;
  apply(logits: Float32Array, generated: readonly number[]): void;
}

/** Token indices sorted by logit, highest first (ties by lower index, so the order is deterministic). */
export function sortedIndices(logits: Float32Array): Uint32Array {
  const idx = new Uint32Array(logits.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => logits[b] - logits[a] || a - b);
}
