import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../workers/worker-bundle.ts';
import type { MathPolicy } from './policy.ts';
import type { MathVerification } from './verify.ts';

interface Job {
  id: number;
  reference: string;
  answer: string;
  question?: string;
  resolve: (v: MathVerification) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Verifications in worker threads with a per-call time limit: a comparison that runs past `timeoutMs` has its
 * worker terminated and replaced, and resolves as an `error` verdict. The event loop is never blocked, and idle
 * workers do not keep the process alive.
 */
export class MathWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly policy: MathPolicy,
    private readonly size = Math.max(1, availableParallelism()),
  ) {}

  /** `question`, when given, names the problem's variables in order ("y = 5, x = 2" against (2, 5)). */
  verify(reference: string, answer: string, question?: string): Promise<MathVerification> {
    if (this.closed) return Promise.reject(new Error('math judge: worker pool is closed'));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, reference, answer, question, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const job of this.queue.splice(0)) job.resolve(errorResult('math judge closed before this verification ran'));
    await Promise.all(slots.map((s) => {
      if (s.timer) clearTimeout(s.timer);
      s.job?.resolve(errorResult('math judge closed during this verification'));
      return s.worker.terminate();
    }));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.job === null);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      this.run(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker(new URL('./worker.ts', import.meta.url)), job: null, timer: null };
    slot.worker.unref();
    slot.worker.on('message', (msg: { id: number; result: MathVerification }) => {
      if (!slot.job || slot.job.id !== msg.id) return;
      this.finish(slot, msg.result);
    });
    slot.worker.on('error', (err) => this.replace(slot, `math verifier worker failed: ${err.message}`));
    slot.worker.on('exit', () => {
      if (slot.job) this.replace(slot, 'math verifier worker exited');
    });
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref(); // a job in flight keeps the process alive until it answers
    slot.timer = setTimeout(() => this.replace(slot, `timed out after ${this.policy.timeoutMs} ms`, 'timeout'), this.policy.timeoutMs);
    slot.worker.postMessage({ id: job.id, reference: job.reference, answer: job.answer, question: job.question, policy: this.policy });
  }

  private finish(slot: Slot, result: MathVerification): void {
    const job = slot.job!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    slot.worker.unref();
    job.resolve(result);
    this.pump();
  }

  /** Kill a stuck or dead worker, answer its job with an error, and start a fresh one for the queue. */
  private replace(slot: Slot, reason: string, category: MathVerification['category'] = 'judge_error'): void {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
    slot.worker.removeAllListeners('exit');
    void slot.worker.terminate();
    job?.resolve(errorResult(reason, category));
    if (!this.closed) this.pump();
  }
}

function errorResult(reason: string, category: MathVerification['category'] = 'judge_error'): MathVerification {
  return { verdict: 'error', category, reason, extracted: { reference: null, response: null } };
}
