import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { ProcessTracker } from './spawn-capture.ts';

/**
 * Runs programs with at most `concurrency` at once (default: the machine's cores) and keeps the live process
 * groups so that `close()` can kill every one of them.
 */
export interface RunPool {
  readonly concurrency: number;
  run<T>(task: (tracker: ProcessTracker) => Promise<T>): Promise<T>;
  /** Kill every running program (their runs end as timeouts); queued runs still run: the pool holds nothing else. */
  close(): Promise<void>;
}

export function createRunPool(concurrency = availableParallelism()): RunPool {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`code judge: concurrency must be a positive integer, got ${concurrency}`);
  const limit = pLimit(concurrency);
  const live = new Set<ChildProcess>();
  const tracker: ProcessTracker = { add: (c) => live.add(c), delete: (c) => live.delete(c) };
  return {
    concurrency,
    run: (task) => limit(() => task(tracker)),
    async close() {
      for (const child of live) {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
