import { type AttemptResult, type Deadlines, JsonHttpClient } from './http-client.ts';

/** What the sampler posts through: one server (JsonHttpClient) or several (EndpointPool). */
export interface JsonPoster {
  post(path: string, body: unknown, signal?: AbortSignal, stream?: boolean): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** One server of a pool, as routing sees it. */
export interface Endpoint {
  readonly url: string;
  /** Requests sent and not answered yet: routing picks the fewest. */
  outstanding: number;
  /** Answers (any status) and connection failures, for the report. */
  requests: number;
  connectionFailures: number;
  /** Until when (ms since epoch) it is not picked after a connection failure; 0 when up. */
  downUntil: number;
  /** Consecutive connection failures (the cool-down doubles with each). */
  streak: number;
  /** Set by a supervisor: the server is (re)starting or gone; not picked, whatever the cool-down says. */
  held: boolean;
}

/** A failure that says the server is not there (refused, reset, closed), not that it answered badly or slowly. */
export function isConnectionFailure(r: AttemptResult): r is Extract<AttemptResult, { ok: false }> {
  return !r.ok && r.status === null && !r.reason.startsWith('timed out');
}

const COOL_DOWN_MS = 1000;
const MAX_COOL_DOWN_MS = 30_000;

/**
 * Several OpenAI-compatible servers of one model behind one `post`: each request goes to the usable endpoint with
 * the fewest requests outstanding (ties in turn). An endpoint that cannot be reached (refused, reset mid-answer)
 * is set aside for a cool-down (1 s, doubling to 30 s, reset by a success) and the request is sent at once to
 * another one, so a dying server loses no request and costs no retry backoff. When every endpoint is set aside
 * the soonest back is tried (or, with a supervisor, the pool waits for a server to be ready again). Other
 * failures (HTTP 5xx, 429, timeouts) go back to the caller's retry loop unchanged.
 */
export class EndpointPool implements JsonPoster {
  readonly endpoints: Endpoint[];
  private readonly clients: JsonHttpClient[];
  private turn = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    urls: readonly string[],
    connections: number,
    headers: Record<string, string>,
    deadlines: Deadlines | number,
    /** With a supervisor: how long to wait for a held endpoint to come back, and whether any ever can. */
    private readonly supervision?: { waitMs: number; anyAlive(): boolean; deadReason(): string },
  ) {
    if (urls.length === 0) throw new Error('endpoint pool: no endpoint');
    this.endpoints = urls.map((url) => ({ url, outstanding: 0, requests: 0, connectionFailures: 0, downUntil: 0, streak: 0, held: false }));
    // Each server may get every connection: routing, not the split, decides the load.
    this.clients = urls.map((url) => new JsonHttpClient(url, connections, headers, deadlines));
  }

  /** A supervisor holds an endpoint while its server restarts, and releases it once the server answers again. */
  hold(index: number): void {
    this.endpoints[index].held = true;
  }

  release(index: number): void {
    const e = this.endpoints[index];
    e.held = false;
    e.downUntil = 0;
    e.streak = 0;
    for (const wake of [...this.waiters]) wake();
  }

  /** Wake requests waiting for an endpoint (a supervisor gave up on one: they may have to fail now). */
  wake(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** The endpoint a request goes to now, or null when none is usable (`exclude`: already failed for this request). */
  pick(now: number, exclude: ReadonlySet<number> = new Set()): number | null {
    let best: number | null = null;
    const n = this.endpoints.length;
    for (let k = 0; k < n; k++) {
      const i = (this.turn + k) % n;
      const e = this.endpoints[i];
      if (e.held || exclude.has(i) || e.downUntil > now) continue;
      if (best === null || e.outstanding < this.endpoints[best].outstanding) best = i;
    }
    if (best !== null) this.turn = (best + 1) % n;
    return best;
  }

  /** Without a supervisor: the set-aside endpoint back soonest (a trial request), excluding those already tried. */
  private soonest(exclude: ReadonlySet<number>): number | null {
    let best: number | null = null;
    this.endpoints.forEach((e, i) => {
      if (e.held || exclude.has(i)) return;
      if (best === null || e.downUntil < this.endpoints[best].downUntil) best = i;
    });
    return best;
  }

  private async waitForEndpoint(signal?: AbortSignal): Promise<boolean> {
    const s = this.supervision!;
    const deadline = Date.now() + s.waitMs;
    while (s.anyAlive() && Date.now() < deadline) {
      if (this.pick(Date.now()) !== null) return true;
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          done();
          reject(signal!.reason);
        };
        const timer = setTimeout(done, 250);
        this.waiters.add(done);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
    return this.pick(Date.now()) !== null;
  }

  async post(path: string, body: unknown, signal?: AbortSignal, stream = false): Promise<AttemptResult> {
    const tried = new Set<number>();
    let last: Extract<AttemptResult, { ok: false }> | null = null;
    // Bounded: a server that keeps refusing goes back to the caller's retry loop (and its backoff).
    for (let sent = 0; sent < this.endpoints.length * 3; sent++) {
      let i = this.pick(Date.now(), tried);
      if (i === null && this.supervision) {
        if (!(await this.waitForEndpoint(signal))) {
          return { ok: false, retryable: this.supervision.anyAlive(), status: null, reason: this.supervision.deadReason(), retryAfterMs: null };
        }
        tried.clear();
        i = this.pick(Date.now(), tried);
      }
      if (i === null && !this.supervision) i = this.soonest(tried);
      if (i === null) break;
      tried.add(i);
      const e = this.endpoints[i];
      e.outstanding++;
      let r: AttemptResult;
      try {
        r = await this.clients[i].post(path, body, signal, stream);
      } finally {
        e.outstanding--;
      }
      e.requests++;
      if (!isConnectionFailure(r)) {
        if (r.ok) e.streak = 0;
        return r;
      }
      e.connectionFailures++;
      e.streak++;
      e.downUntil = Date.now() + Math.min(MAX_COOL_DOWN_MS, COOL_DOWN_MS * 2 ** (e.streak - 1));
      last = { ...r, reason: `${e.url}: ${r.reason}` };
      // Without a supervisor, once every endpoint failed this request the caller's retry loop decides.
      if (!this.supervision && tried.size >= this.endpoints.length) break;
    }
    return last ?? { ok: false, retryable: true, status: null, reason: 'no endpoint is up', retryAfterMs: null };
  }

  /** Per endpoint: requests, connection failures, whether it is up now. */
  report(): Record<string, unknown>[] {
    const now = Date.now();
    return this.endpoints.map((e) => ({ url: e.url, requests: e.requests, connectionFailures: e.connectionFailures, up: !e.held && e.downUntil <= now }));
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
