import { readManifest } from '../sinks/manifest.ts';
import { shardDir } from './launch-plan.ts';

/**
 * The shard indices whose build under `out` has not finished (no manifest, or one not marked finished): what a
 * resubmission runs again. A shard's manifest that is unreadable counts as unfinished (its run says why).
 */
export async function unfinishedShards(out: string, shards: number): Promise<number[]> {
  const left: number[] = [];
  for (let i = 0; i < shards; i++) {
    const manifest = await readManifest(shardDir(out, i)).catch(() => null);
    if (!manifest?.finished) left.push(i);
  }
  return left;
}
