import { parentPort } from 'node:worker_threads';
import { MinHashLsh, type MinHashOptions } from './minhash-lsh.ts';

/** The first message: the index options. Then batches of prompts in reading order: ids and compared texts (the user turns). */
export type NearDedupeMessage = { options: Partial<MinHashOptions> } | NearDedupeBatch;
export interface NearDedupeBatch {
  ids: string[];
  texts: string[];
}

/** The near-duplicates of a batch: [index in the batch, id of the earlier prompt, estimated Jaccard]. */
export type NearDedupeReply = { drops: [number, string, number][] } | { error: string };

/**
 * Worker side of near-dedupe's first pass: the whole index lives in this thread, so terminating it gives all of
 * the index's memory back to the system (freed on the build's main thread, much of it stayed in the process's
 * malloc heap for the rest of the build).
 */
let index: MinHashLsh | null = null;
parentPort!.on('message', (msg: NearDedupeMessage) => {
  if ('options' in msg) {
    index = new MinHashLsh(msg.options);
    return;
  }
  const batch = msg;
  try {
    if (!index) throw new Error('no options message before the first batch');
    const drops: [number, string, number][] = [];
    for (let i = 0; i < batch.ids.length; i++) {
      const dup = index.checkAndAdd(batch.ids[i], batch.texts[i]);
      if (dup) drops.push([i, dup.duplicateOf, dup.jaccard]);
    }
    parentPort!.postMessage({ drops } satisfies NearDedupeReply);
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).message } satisfies NearDedupeReply);
  }
});
