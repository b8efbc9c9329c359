import { createHash } from 'node:crypto';

/** One partition of the prompts among N workers: `--shard I/N`. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Parse "I/N" (0 ≤ I < N). Throws a message fit for a usage error. */
export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard: expected I/N (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`--shard: need 0 ≤ I < N, got ${index}/${count}`);
  return { index, count };
}

/** Stable hash bucket of a key (sha256, first 48 bits): the same on every machine and Node version. */
export function shardOf(key: string, count: number): number {
  const h = createHash('sha256').update(key).digest();
  return h.readUIntBE(0, 6) % count;
}

/** Whether a prompt belongs to this shard: disjoint across I, covering all prompts over I = 0…N-1. */
export function inShard(promptId: string, shard: ShardSpec | undefined): boolean {
  return !shard || shard.count === 1 || shardOf(promptId, shard.count) === shard.index;
}
