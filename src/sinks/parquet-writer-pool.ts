import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { startWorker } from '../workers/worker-bundle.ts';
import type { SchemaElement } from './parquet-schema.ts';
import type { WorkerCall, WorkerReply, WorkerRequest } from './parquet-worker.ts';
import type { ZstdEncoder } from './zstd.ts';

export interface ShardWritten {
  bytes: number;
  sha256: string;
  /** The zstd encoder that compressed its pages (native libzstd, or the wasm build where the addon cannot load). */
  zstd: ZstdEncoder;
}

export interface WriterPoolOptions {
  /** Worker threads (default: min(2, cores)). Two keep a 2-core machine busy while the engine runs. */
  workers?: number;
  /** zstd level (default 3: the usual speed/size balance). */
  zstdLevel?: number;
  createdBy?: string;
}

type Pending = { resolve: (r: WorkerReply) => void };


/** One worker thread with request/reply by id. */
class ShardWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor() {
    this.worker = startWorker(new URL('./parquet-worker.ts', import.meta.url));
    // Keep the process alive only while a request is in flight: a forgotten close() must not hang the CLI.
    this.worker.unref();
    this.worker.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(r);
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const [id, p] of this.pending) p.resolve({ id, ok: false, error: `parquet worker died: ${err.message}` });
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  }

  async call(req: WorkerCall): Promise<WorkerReply & { ok: true }> {
    if (this.failure) throw new Error(`parquet worker died: ${this.failure.message}`);
    const id = this.nextId++;
    const reply = await new Promise<WorkerReply>((resolve) => {
      this.pending.set(id, { resolve });
      this.worker.ref();
      this.worker.postMessage({ ...req, id } as WorkerRequest);
    });
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  async terminate(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/**
 * Writes whole shards in worker threads, one shard per worker at a time; several shards (corpora, or the pieces
 * of a big commit) proceed in parallel. Row groups are sent one at a time so a worker holds one group, not a shard.
 */
export class ParquetWriterPool {
  private readonly idle: ShardWorker[] = [];
  private readonly waiting: ((w: ShardWorker) => void)[] = [];
  private readonly all: ShardWorker[] = [];
  private readonly zstdLevel: number;
  private readonly createdBy: string;

  constructor(opts: WriterPoolOptions = {}) {
    const n = Math.max(1, opts.workers ?? Math.min(2, availableParallelism()));
    this.zstdLevel = opts.zstdLevel ?? 3;
    this.createdBy = opts.createdBy ?? 'distillery';
    for (let i = 0; i < n; i++) {
      const w = new ShardWorker();
      this.all.push(w);
      this.idle.push(w);
    }
  }

  private acquire(): Promise<ShardWorker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: ShardWorker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** Write `rowGroups` as one Parquet file at `path` (fsynced before this resolves). */
  async writeShard(path: string, schema: SchemaElement[], rowGroups: Iterable<Record<string, unknown>[]>): Promise<ShardWritten> {
    const w = await this.acquire();
    try {
      const columns = schema.slice(1).length ? topLevelNames(schema) : [];
      await w.call({ op: 'open', path, schema, columns, zstdLevel: this.zstdLevel, createdBy: this.createdBy });
      try {
        for (const rows of rowGroups) await w.call({ op: 'write', rows });
        const r = await w.call({ op: 'close' });
        return { bytes: r.bytes!, sha256: r.sha256!, zstd: r.zstd! };
      } catch (err) {
        await w.call({ op: 'abort' }).catch(() => undefined);
        throw err;
      }
    } finally {
      this.release(w);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

/** Names of the root's direct children in a flattened Parquet schema. */
export function topLevelNames(schema: SchemaElement[]): string[] {
  const names: string[] = [];
  let i = 1;
  const skip = (idx: number): number => {
    let next = idx + 1;
    for (let c = 0; c < (schema[idx].num_children ?? 0); c++) next = skip(next);
    return next;
  };
  while (i < schema.length) {
    names.push(schema[i].name);
    i = skip(i);
  }
  return names;
}
