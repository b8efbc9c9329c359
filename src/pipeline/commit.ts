import type { DomainQuotas } from '../../schemas/pipeline.ts';
import type { QuarantineRecord } from '../../schemas/records.ts';
import type { BuildStore, ChunkRows } from '../sinks/build-store.ts';
import { tally, type BuildStats } from './build-stats.ts';
import { withinQuota, type ShapedPrompt } from './shape.ts';

/**
 * Stage 4 of a build: outcomes are taken in reading order into a chunk and the build's counters; a chunk is
 * committed when it is full (rows, bytes) or old (commitEverySeconds). A commit covers whole prompts and a prefix of
 * the input. One commit may be in flight while the next chunk fills (the writers encode and fsync while the judges
 * keep working); commits still run one at a time, in order.
 */

/** What one batch produced, in unit order. */
export interface BatchOutcome {
  lastOrdinal: number;
  /** The batch finished after in-flight work was aborted: its results may be cut short and are not committed. */
  aborted: boolean;
  items: (ShapedPrompt | { kind: 'quarantine'; record: QuarantineRecord } | { kind: 'duplicate' } | { kind: 'quota' })[];
}

/**
 * Text a chunk may hold in memory before it is committed, whatever output.shardBytes says: a chunk is buffered (and
 * a second one fills while it is written), so this bounds the build's RSS. Shards are then at most this big.
 */
export const MAX_CHUNK_BYTES = 32 * 1024 * 1024;

const emptyChunk = (): ChunkRows => ({ sft: [], distill: [], samples: [], prefs: [], quarantine: [] });

/** Rough text size of a row (string lengths), to roll chunks by shardBytes without serialising rows twice. */
function approxBytes(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + approxBytes(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + approxBytes(x), 0);
  return 8;
}

export interface CommitOptions {
  quotas?: DomainQuotas;
  /** A chunk is committed when a corpus holds this many rows, its text this many bytes, or it is this old. */
  shardRows: number;
  shardBytes: number;
  commitEverySeconds: number;
  /** Commits the directory holds already (a resumed build). */
  commits: number;
  /** The build's seconds so far (over all its runs), recorded with each commit. */
  seconds: () => number;
}

export class Committer {
  private chunk = emptyChunk();
  private chunkRows = 0;
  private chunkBytes = 0;
  private committedConsumed: number;
  private lastCommit = performance.now();
  private inFlight: Promise<void> = Promise.resolve();
  private firstCommit = true;
  private readonly maxChunkBytes: number;
  /** Commits in the directory (earlier runs' included), counted as they complete. */
  commits: number;
  /** Prompts that failed on backend errors and are not done yet (from earlier runs, and this run's). */
  readonly pending: Set<string>;

  constructor(
    private readonly store: BuildStore,
    /** The build's cumulative counters (resumed from the last commit), updated in place. */
    readonly stats: BuildStats,
    private readonly o: CommitOptions,
  ) {
    this.committedConsumed = stats.consumed;
    this.commits = o.commits;
    this.pending = new Set(stats.backendPending);
    this.maxChunkBytes = Math.min(o.shardBytes, MAX_CHUNK_BYTES);
  }

  /** Take a batch's outcome into the chunk and the counters. */
  take(outcome: BatchOutcome): void {
    const { stats, pending, chunk } = this;
    const { quotas } = this.o;
    for (const item of outcome.items) {
      if (item.kind === 'duplicate' || item.kind === 'quota') tally(stats, item);
      else if (item.kind === 'failed') pending.add(item.prompt.id);
      else if (item.kind === 'quarantine') {
        chunk.quarantine.push(item.record);
        tally(stats, { kind: 'quarantine', reason: item.record.reason });
        this.chunkRows++;
      } else {
        const { prompt } = item;
        const rows = withinQuota(item.rows, quotas, prompt.domain, stats.domains[prompt.domain]?.sft ?? 0);
        if (rows === null) {
          // Over quota (sampled while the quota was being met by prompts before it): counted, not written.
          tally(stats, { kind: 'quota' });
          pending.delete(prompt.id);
          continue;
        }
        chunk.sft.push(...rows.sft);
        chunk.distill.push(...rows.distill);
        chunk.samples.push(...rows.samples);
        chunk.prefs.push(...rows.prefs);
        tally(stats, { kind: 'prompt', domain: prompt.domain, rows, verdicts: item.verdicts, resampled: pending.delete(prompt.id) || item.resampled });
        this.chunkRows += rows.samples.length;
        this.chunkBytes += approxBytes(rows.samples) + approxBytes(rows.sft) + approxBytes(rows.distill) + approxBytes(rows.prefs);
      }
    }
    tally(stats, { kind: 'consumed', through: outcome.lastOrdinal + 1, backendPending: pending });
  }

  /** Whether the chunk is full or old enough to commit. */
  get due(): boolean {
    const c = this.chunk;
    const biggest = Math.max(c.sft.length, c.distill.length, c.samples.length, c.prefs.length, c.quarantine.length);
    return biggest >= this.o.shardRows || this.chunkBytes >= this.maxChunkBytes || (performance.now() - this.lastCommit) / 1000 >= this.o.commitEverySeconds;
  }

  /** Hand the chunk to the store (nothing when it holds nothing new). The run's first commit is awaited. */
  async commit(): Promise<void> {
    const { stats } = this;
    if (this.chunkRows === 0 && stats.consumed === this.committedConsumed) return;
    // The previous commit first: its failure stops the build here, before another chunk is handed over.
    await this.inFlight;
    stats.seconds = this.o.seconds();
    const rows = this.chunk;
    const snapshot = structuredClone(stats);
    this.committedConsumed = stats.consumed;
    this.chunk = emptyChunk();
    this.chunkRows = 0;
    this.chunkBytes = 0;
    this.lastCommit = performance.now();
    this.inFlight = this.store.commit(rows, snapshot).then(() => void this.commits++);
    // Observed by the next commit() or the final wait; never an unhandled rejection in between.
    this.inFlight.catch(() => {});
    // The run's first commit is awaited: a store that cannot write (disk, permissions) fails the build at once,
    // and the directory holds a readable prefix before more work is buffered.
    if (this.firstCommit) {
      this.firstCommit = false;
      await this.inFlight;
    }
  }

  /** Commit what is left and wait for every commit. */
  async flush(): Promise<void> {
    tally(this.stats, { kind: 'consumed', through: this.stats.consumed, backendPending: this.pending });
    await this.commit();
    await this.inFlight;
  }
}
