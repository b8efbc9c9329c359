import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeResult } from '../models/sampler.ts';

/** When the engine stops sending work to a failing backend, how it probes it, and how long it waits. */
export interface BackendHealthOptions {
  /** Consecutive backend calls that failed (every sample a transient error) before the breaker opens. */
  consecutiveFailures: number;
  /** Recent calls looked at, and the failure share over them (once the window is full) that opens the breaker. */
  window: number;
  failureShare: number;
  /** How long an outage may last before the build stops like Ctrl-C (committing what is done). */
  outageBudgetMs: number;
  /** First wait between probes; doubled after each failed probe up to maxProbeIntervalMs. */
  probeIntervalMs: number;
  maxProbeIntervalMs: number;
  /**
   * Extra tries of a call's failed samples while the breaker stays closed, after probeIntervalMs · 2^attempt: an
   * isolated failure, or the first calls of an outage (during the wait the breaker may open; they then wait for it).
   */
  callRetries: number;
}

export const DEFAULT_BACKEND_HEALTH: BackendHealthOptions = {
  consecutiveFailures: 8,
  window: 40,
  failureShare: 0.5,
  outageBudgetMs: 15 * 60_000,
  probeIntervalMs: 1000,
  maxProbeIntervalMs: 30_000,
  callRetries: 3,
};

/** Why the breaker gave up: the build stops and says this. */
export class BackendDownError extends Error {
  override name = 'BackendDownError';
}

export interface OutageNotice {
  kind: 'down' | 'recovered' | 'gave-up';
  message: string;
}

/**
 * The engine's circuit breaker over one backend. Calls report their outcome; when failures pile up (consecutive,
 * or a share of the recent window) the breaker opens: callers that want to try again wait, one loop probes the
 * backend with exponential backoff, and the breaker closes when a probe succeeds. Past the outage budget, or on
 * a probe that says waiting will not help (401, 404), it gives up for good and calls `onGiveUp`, which stops the
 * build. Pure state + timers: no knowledge of prompts or corpora.
 */
export class BackendBreaker {
  private state: 'closed' | 'open' | 'gave-up' = 'closed';
  private consecutive = 0;
  private recent: boolean[] = [];
  private lastReason = '';
  private waiters: ((serving: boolean) => void)[] = [];
  /** Outages seen this run and the seconds they lasted (for the report). */
  outages = 0;
  downSeconds = 0;
  failure: string | null = null;

  constructor(
    private readonly options: BackendHealthOptions,
    private readonly probe: (signal: AbortSignal) => Promise<ProbeResult>,
    private readonly stop: AbortSignal,
    private readonly notify: (n: OutageNotice) => void,
    private readonly onGiveUp: (e: BackendDownError) => void,
  ) {
    stop.addEventListener('abort', () => this.release(false), { once: true });
  }

  get open(): boolean {
    return this.state !== 'closed';
  }

  /** Outcome of one backend call: `ok` when it produced at least one sample (the backend serves). */
  record(ok: boolean, reason?: string): void {
    if (this.state !== 'closed') return;
    if (!ok && reason) this.lastReason = reason;
    this.consecutive = ok ? 0 : this.consecutive + 1;
    this.recent.push(ok);
    if (this.recent.length > this.options.window) this.recent.shift();
    const failed = this.recent.filter((x) => !x).length;
    const shareTripped = this.recent.length >= this.options.window && failed / this.recent.length >= this.options.failureShare;
    if (this.consecutive >= this.options.consecutiveFailures || shareTripped) this.trip();
  }

  /**
   * May a call whose samples failed try again (its `attempt`-th retry)? Closed: yes for the first `callRetries`.
   * Open: waits until the backend serves again (yes) or the breaker gives up or the build stops (no).
   */
  async mayRetry(attempt: number): Promise<boolean> {
    if (this.stop.aborted || this.state === 'gave-up') return false;
    if (this.state === 'closed') {
      if (attempt < 0) return true;
      if (attempt >= this.options.callRetries) return false;
      await sleep(this.options.probeIntervalMs * 2 ** attempt, undefined, { signal: this.stop }).catch(() => {});
      if (this.stop.aborted) return false;
      if (this.state === 'closed') return true;
      if ((this.state as string) === 'gave-up') return false;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private trip(): void {
    this.state = 'open';
    this.outages++;
    const o = this.options;
    this.notify({ kind: 'down', message: `backend failing (${this.lastReason || 'no samples'}): dispatch paused, probing it for up to ${formatMs(o.outageBudgetMs)}` });
    void this.probeLoop();
  }

  private async probeLoop(): Promise<void> {
    const started = performance.now();
    let interval = this.options.probeIntervalMs;
    let last = this.lastReason;
    try {
      while (!this.stop.aborted) {
        const elapsed = performance.now() - started;
        if (elapsed >= this.options.outageBudgetMs) return this.giveUp(`backend down for ${formatMs(elapsed)} (outage budget ${formatMs(this.options.outageBudgetMs)}); last error: ${last}`);
        await sleep(Math.min(interval, Math.max(0, this.options.outageBudgetMs - elapsed)), undefined, { signal: this.stop });
        const r = await this.probe(this.stop).catch((e): ProbeResult => ({ ok: false, retryable: true, reason: e instanceof Error ? e.message : String(e) }));
        if (this.stop.aborted) return;
        if (r.ok) {
          const seconds = (performance.now() - started) / 1000;
          this.state = 'closed';
          this.consecutive = 0;
          this.recent = [];
          this.notify({ kind: 'recovered', message: `backend serving again after ${formatMs(seconds * 1000)}: dispatch resumed` });
          this.release(true);
          return;
        }
        last = r.reason;
        if (!r.retryable) return this.giveUp(`backend refuses requests, waiting will not help: ${r.reason}`);
        interval = Math.min(interval * 2, this.options.maxProbeIntervalMs);
      }
    } catch (e) {
      if (!this.stop.aborted) this.giveUp(`backend probe failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      // Every outage counts toward the time down, however it ended: recovered, given up, or stopped by the build.
      this.downSeconds += (performance.now() - started) / 1000;
      if (this.stop.aborted) this.release(false);
    }
  }

  private giveUp(message: string): void {
    this.state = 'gave-up';
    this.failure = message;
    this.notify({ kind: 'gave-up', message });
    this.release(false);
    this.onGiveUp(new BackendDownError(message));
  }

  private release(serving: boolean): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve(serving);
  }
}

function formatMs(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 120 ? `${Math.round(s / 60)} min` : `${s} s`;
}
