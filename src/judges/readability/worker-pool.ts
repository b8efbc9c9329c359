import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../workers/worker-bundle.ts';
import type { ReadabilityInput, ReadabilityReport, ReadabilityThresholds } from './index.ts';

interface Pending {
  resolve: (r: ReadabilityReport[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  failure: Error | null;
}

/**
 * Readability checks in worker threads, so they run on another core while the main thread samples, shapes rows
 * and feeds the writers. The checks are pure functions of their input, so the reports are the same as in-thread.
 * Each request goes to the worker with the fewest in flight; idle workers do not keep the process alive.
 */
export class ReadabilityWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  check(inputs: ReadabilityInput[], thresholds: ReadabilityThresholds): Promise<ReadabilityReport[]> {
    if (this.closed) return Promise.reject(new Error('readability judge: worker pool is closed'));
    const slot = this.pick();
    if (slot.failure) return Promise.reject(slot.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ id, inputs, thresholds });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => {
      for (const p of s.pending.values()) p.reject(new Error('readability judge closed during this check'));
      s.worker.removeAllListeners('exit');
      return s.worker.terminate();
    }));
  }

  private pick(): Slot {
    const live = this.slots.filter((s) => !s.failure);
    if (live.length < this.size) return this.spawn();
    return live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }

  private spawn(): Slot {
    // A small young generation: the checks' garbage is short-lived, and V8's default (up to 3 × 16 MB) cost ~80 MB of
    // RSS on the scale build for no speed.
    const worker = startWorker(new URL('./worker.ts', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    const slot: Slot = { worker, pending: new Map(), failure: null };
    slot.worker.unref();
    slot.worker.on('message', (msg: { id: number; reports?: ReadabilityReport[]; error?: string }) => {
      const p = slot.pending.get(msg.id);
      slot.pending.delete(msg.id);
      if (slot.pending.size === 0) slot.worker.unref();
      if (!p) return;
      if (msg.reports) p.resolve(msg.reports);
      else p.reject(new Error(`readability worker: ${msg.error}`));
    });
    const fail = (err: Error) => {
      slot.failure = new Error(`readability worker died: ${err.message}`);
      for (const p of slot.pending.values()) p.reject(slot.failure);
      slot.pending.clear();
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
