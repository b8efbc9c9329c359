import { Pool } from 'undici';
import { StreamAccumulator } from './stream-accumulator.ts';

/** What one attempt gave: a parsed JSON body, or a failure that says whether trying again may help. */
export type AttemptResult =
  | { ok: true; status: number; json: unknown }
  | { ok: false; retryable: boolean; status: number | null; reason: string; retryAfterMs: number | null };

/**
 * How long each phase of a request may take. Streaming makes stalls visible: a server that accepted the request
 * but sends nothing (hung engine, lost connection) is aborted after `firstTokenMs` (generous: queueing) or, once
 * tokens flow, after `idleMs` without a chunk, while a slow but live stream runs up to `totalMs`.
 */
export interface Deadlines {
  /** TCP (and TLS) connect. */
  connectMs: number;
  /** From sending to the first streamed token (or, not streaming, to the whole answer: totalMs applies). */
  firstTokenMs: number;
  /** Longest gap between two streamed chunks. */
  idleMs: number;
  /** The whole request, from sending to the last byte. */
  totalMs: number;
}

/** The phase deadlines of a backend's options. */
export function deadlinesOf(o: { connectTimeoutMs: number; firstTokenTimeoutMs: number; idleTimeoutMs: number; timeoutMs: number }): Deadlines {
  return { connectMs: o.connectTimeoutMs, firstTokenMs: o.firstTokenTimeoutMs, idleMs: o.idleTimeoutMs, totalMs: o.timeoutMs };
}

/**
 * A keep-alive connection pool to one server, posting JSON and reading a JSON body or a server-sent-event stream.
 * Every failure comes back as a value (never thrown) with its class: 429/408/5xx, timeouts, stalls, resets and
 * malformed or truncated bodies are retryable; other 4xx are not. Only the caller's own abort is thrown, so a
 * stopping build stops. One request is one `post`: a pool of endpoints can route each call to a client.
 */
export class JsonHttpClient {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly deadlines: Deadlines;

  constructor(
    baseUrl: string,
    connections: number,
    private readonly headers: Record<string, string>,
    limits: Deadlines | number,
  ) {
    // A number alone: the whole-request limit (each phase may take all of it).
    const deadlines = typeof limits === 'number' ? { connectMs: Math.min(limits, 30_000), firstTokenMs: limits, idleMs: limits, totalMs: limits } : limits;
    this.deadlines = deadlines;
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    // undici's own timeouts are backstops; the phase deadlines below are the real ones.
    const backstop = deadlines.totalMs + 1000;
    this.pool = new Pool(this.origin, { connections, connect: { timeout: deadlines.connectMs }, headersTimeout: backstop, bodyTimeout: backstop, keepAliveTimeout: 30_000 });
  }

  /** POST `body` to `path` (relative to the base URL, e.g. "/chat/completions"); `stream` reads an SSE answer. */
  async post(path: string, body: unknown, signal?: AbortSignal, stream = false): Promise<AttemptResult> {
    const d = this.deadlines;
    const phase = new PhaseTimer(d.totalMs);
    if (stream) phase.arm(d.firstTokenMs, `stalled before the first token: none within ${d.firstTokenMs} ms`);
    const combined = signal ? AbortSignal.any([signal, phase.signal]) : phase.signal;
    let status: number | null = null;
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.basePath + path,
        headers: { 'content-type': 'application/json', ...(stream ? { accept: 'text/event-stream' } : {}), ...this.headers },
        body: JSON.stringify(body),
        signal: combined,
      });
      status = res.statusCode;
      const retryAfterMs = parseRetryAfter(res.headers, Date.now());
      const contentType = String(res.headers['content-type'] ?? '');
      if (status < 200 || status >= 300) {
        const text = await res.body.text();
        const retryable = status === 429 || status === 408 || status === 409 || status >= 500;
        return { ok: false, retryable, status, reason: `HTTP ${status}: ${snippet(text)}`, retryAfterMs };
      }
      // A server that ignores `stream` answers JSON: read it as such.
      if (!stream || !contentType.includes('text/event-stream')) return parseJson(status, await res.body.text());
      const acc = new StreamAccumulator();
      const decoder = new TextDecoder();
      for await (const chunk of res.body) {
        const n = acc.push(decoder.decode(chunk as Buffer, { stream: true }));
        if (n > 0) phase.arm(d.idleMs, `stalled mid-stream: no chunk for ${d.idleMs} ms after ${acc.events} chunk(s)`);
      }
      acc.push(decoder.decode() + '\n');
      if (!acc.done) return { ok: false, retryable: true, status, reason: `stream ended before [DONE] after ${acc.events} chunk(s)`, retryAfterMs: null };
      return { ok: true, status, json: acc.body(path.endsWith('/chat/completions')) };
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      const e = err as Error & { code?: string };
      const reason = phase.why ?? (e instanceof SyntaxError ? `malformed stream chunk: ${e.message}` : `${e.code ?? e.name}: ${e.message}`);
      return { ok: false, retryable: true, status, reason, retryAfterMs: null };
    } finally {
      phase.clear();
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The whole-request deadline plus one re-armable phase deadline; `why` says which fired. */
class PhaseTimer {
  private readonly controller = new AbortController();
  private readonly total: NodeJS.Timeout;
  private phase: NodeJS.Timeout | undefined;
  why: string | null = null;

  constructor(totalMs: number) {
    this.total = setTimeout(() => this.fire(`timed out after ${totalMs} ms: the whole-request limit`), totalMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  arm(ms: number, why: string): void {
    clearTimeout(this.phase);
    this.phase = setTimeout(() => this.fire(why), ms);
  }

  private fire(why: string): void {
    this.why ??= why;
    this.controller.abort(new Error(why));
  }

  clear(): void {
    clearTimeout(this.total);
    clearTimeout(this.phase);
  }
}

function parseJson(status: number, text: string): AttemptResult {
  try {
    return { ok: true, status, json: JSON.parse(text) };
  } catch {
    return { ok: false, retryable: true, status, reason: `malformed JSON body (${text.length} bytes): ${snippet(text)}`, retryAfterMs: null };
  }
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/**
 * Milliseconds the server asked us to wait: `retry-after-ms` (OpenAI), else `Retry-After` as seconds or an
 * HTTP date. null when absent or unreadable.
 */
export function parseRetryAfter(headers: Record<string, string | string[] | undefined>, nowMs: number): number | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Number(ms);
  const ra = first(headers['retry-after']);
  if (ra === undefined) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Number(ra) * 1000;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}
