import { createHash } from 'node:crypto';

/**
 * The seed sent for a sample (or for a group sharing one `n` request): derived from the pipeline seed and the
 * sample key, so the same key is always the same request. 31 bits: some servers reject larger seeds.
 */
export function requestSeed(baseSeed: number, key: string): number {
  return createHash('sha256').update(`${baseSeed}\0${key}`).digest().readUInt32BE(0) >>> 1;
}
