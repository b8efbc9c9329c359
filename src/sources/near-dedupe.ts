import { checkOptionKeys } from '../config/strict-options.ts';
import type { Worker } from 'node:worker_threads';
import type { Prompt } from '../../schemas/prompt.ts';
import { startWorker } from '../workers/worker-bundle.ts';
import { DEFAULT_MINHASH, MinHashLsh, type MinHashOptions, type NearDuplicate } from './minhash-lsh.ts';
import type { NearDedupeMessage, NearDedupeReply } from './near-dedupe-worker.ts';
import { filterSources, userText, type Drop, type DropPlanner, type FilteredSource, type PlannedPromptFilter } from './prompt-filter-stage.ts';
import type { Source } from './source.ts';

export type NearDedupeOptions = Partial<MinHashOptions> & {
  /**
   * Build the index in a worker thread (default true): its memory (~270 B a kept prompt, ~230 MB at 860k) is all
   * given back when the first pass ends. On the main thread much of it stayed in the malloc heap for the whole build.
   */
  worker?: boolean;
};

/** Prompts a message to the index worker, and batches in flight before the reader waits for the worker. */
const BATCH = 1024;
const IN_FLIGHT = 8;

/** The quarantine decision for a near-duplicate. */
function nearDuplicateDrop(dup: NearDuplicate): Drop {
  const jaccard = Math.round(dup.jaccard * 1000) / 1000;
  return {
    keep: false,
    reason: `near-duplicate: of ${dup.duplicateOf} (estimated Jaccard ${jaccard.toFixed(2)})`,
    detail: { duplicate_of: dup.duplicateOf, jaccard },
  };
}

/**
 * The near-duplicate prompt filter: MinHash over word shingles of the user turns with LSH banding. The first
 * prompt of a near-duplicate group is kept; each later one is dropped as a quarantine item with reason
 * `near-duplicate: of <id> (estimated Jaccard 0.91)` and its detail `{ duplicate_of, jaccard }`. It decides in a
 * first read of the inputs, so the build holds no index while it samples and writes (see PlannedPromptFilter).
 */
export function nearDedupeFilter(options: NearDedupeOptions = {}): PlannedPromptFilter {
  const { worker = true, ...minhash } = options;
  const opts = { ...DEFAULT_MINHASH, ...minhash };
  // Validate now, so a bad option fails at pipeline definition, not mid-build.
  const probe = new MinHashLsh(opts);
  return {
    name: 'near-dedupe',
    describe: () => ({ ...probe.options }),
    plan: async () => (worker ? new WorkerIndexPlanner(opts) : inThreadPlanner(new MinHashLsh(opts))),
  };
}

/** Near-duplicate removal across one or more sources, as a Source: `nearDedupe([jsonl(a), jsonl(b)])`. */
export function nearDedupe(inputs: Source | readonly Source[], options: NearDedupeOptions = {}): FilteredSource {
  checkOptionKeys('nearDedupe', options, ['threshold', 'numPerm', 'shingleSize', 'seed', 'bands', 'rows', 'maxBucketSize', 'worker']);
  return filterSources(nearDedupeFilter(options), inputs);
}

function inThreadPlanner(index: MinHashLsh): DropPlanner {
  const drops = new Map<number, Drop>();
  return {
    add(prompt, position) {
      const dup = index.checkAndAdd(prompt.id, userText(prompt));
      if (dup) drops.set(position, nearDuplicateDrop(dup));
    },
    finish: async () => drops,
    abort: async () => {},
  };
}

/**
 * The index in a worker thread, fed batches of (id, text) in reading order; it answers each batch with its
 * near-duplicates, in order. The reader runs ahead by at most IN_FLIGHT batches, so a slow index bounds memory.
 */
class WorkerIndexPlanner implements DropPlanner {
  private readonly worker: Worker;
  private readonly drops = new Map<number, Drop>();
  private batch: { first: number; ids: string[]; texts: string[] } = { first: 1, ids: [], texts: [] };
  private readonly waiting: { first: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly replies: Promise<void>[] = [];
  private failure: Error | null = null;

  constructor(options: Partial<MinHashOptions>) {
    this.worker = startWorker(new URL('./near-dedupe-worker.ts', import.meta.url));
    this.worker.postMessage({ options } satisfies NearDedupeMessage);
    this.worker.on('message', (reply: NearDedupeReply) => {
      const head = this.waiting.shift();
      if (!head) return;
      if ('error' in reply) return head.reject(new Error(`near-dedupe: the index worker failed: ${reply.error}`));
      for (const [i, duplicateOf, jaccard] of reply.drops) this.drops.set(head.first + i, nearDuplicateDrop({ duplicateOf, jaccard }));
      head.resolve();
    });
    const fail = (err: Error) => {
      this.failure ??= new Error(`near-dedupe: the index worker died: ${err.message}`);
      for (const w of this.waiting.splice(0)) w.reject(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  }

  async add(prompt: Prompt, position: number): Promise<void> {
    if (this.batch.ids.length === 0) this.batch.first = position;
    this.batch.ids.push(prompt.id);
    this.batch.texts.push(userText(prompt));
    if (this.batch.ids.length < BATCH) return;
    this.send();
    if (this.replies.length > IN_FLIGHT) await this.replies.shift();
  }

  async finish(): Promise<Map<number, Drop>> {
    if (this.batch.ids.length > 0) this.send();
    try {
      await Promise.all(this.replies.splice(0));
    } finally {
      await this.abort();
    }
    return this.drops;
  }

  async abort(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private send(): void {
    if (this.failure) throw this.failure;
    const { first, ids, texts } = this.batch;
    const reply = new Promise<void>((resolve, reject) => this.waiting.push({ first, resolve, reject }));
    // Observed in order by add() or finish(); never an unhandled rejection in between.
    reply.catch(() => {});
    this.replies.push(reply);
    this.worker.postMessage({ ids, texts } satisfies NearDedupeMessage);
    this.batch = { first: 0, ids: [], texts: [] };
  }
}
