import { Pool } from 'undici';

/** What one attempt gave: a parsed JSON body, or a failure that says whether trying again may help. */
export type AttemptResult =
  | { ok: true; status: number; json: unknown }
  | { ok: false; retryable: boolean; status: number | null; reason: string; retryAfterMs: number | null };

/**
 * A keep-alive connection pool to one server, posting JSON. Every failure comes back as a value (never thrown)
 * with its class: 429/408/5xx, timeouts, resets and malformed or truncated bodies are retryable; other 4xx are not.
 * Only the caller's own abort is thrown, so a stopping build stops.
 */
export class JsonHttpClient {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;

  constructor(
    baseUrl: string,
    connections: number,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    // headers/body timeouts are backstops; the per-attempt AbortSignal below is the real deadline.
    this.pool = new Pool(this.origin, { connections, headersTimeout: timeoutMs + 1000, bodyTimeout: timeoutMs + 1000, keepAliveTimeout: 30_000 });
  }

  /** POST `body` to `path` (relative to the base URL, e.g. "/chat/completions"). */
  async post(path: string, body: unknown, signal?: AbortSignal): Promise<AttemptResult> {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
    let status: number | null = null;
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.basePath + path,
        headers: { 'content-type': 'application/json', ...this.headers },
        body: JSON.stringify(body),
        signal: combined,
      });
      status = res.statusCode;
      const text = await res.body.text();
      const retryAfterMs = parseRetryAfter(res.headers, Date.now());
      if (status < 200 || status >= 300) {
        const retryable = status === 429 || status === 408 || status === 409 || status >= 500;
        return { ok: false, retryable, status, reason: `HTTP ${status}: ${snippet(text)}`, retryAfterMs };
      }
      try {
        return { ok: true, status, json: JSON.parse(text) };
      } catch {
        return { ok: false, retryable: true, status, reason: `malformed JSON body (${text.length} bytes): ${snippet(text)}`, retryAfterMs: null };
      }
    } catch (err) {
      if (signal?.aborted) throw signal.reason ?? err;
      const e = err as Error & { code?: string };
      const reason = deadline.aborted ? `timed out after ${this.timeoutMs} ms` : `${e.code ?? e.name}: ${e.message}`;
      return { ok: false, retryable: true, status, reason, retryAfterMs: null };
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
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
