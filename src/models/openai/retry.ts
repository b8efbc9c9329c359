import { setTimeout as sleep } from 'node:timers/promises';
import type { AttemptResult } from './http-client.ts';

export interface RetryPolicy {
  retries: number;
  backoffMs: number;
  maxBackoffMs: number;
}

/** The longest server-requested wait we honour; past it we wait this long (and the request may fail again). */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/**
 * Wait before retry number `attempt` (0-based): the server's Retry-After when given (plus up to 10 % jitter so
 * a crowd told the same instant does not return at once), else "full jitter" exponential backoff.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, policy: RetryPolicy, random: () => number = Math.random): number {
  if (retryAfterMs !== null) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS) * (1 + 0.1 * random());
  const cap = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** attempt);
  return cap * random();
}

export type RetriedResult =
  | { ok: true; json: unknown; attempts: number }
  | { ok: false; reason: string; status: number | null; attempts: number; retryable: boolean };

/**
 * Run `attempt` until it succeeds, fails for good, or runs out of retries. `validate` turns a 200 whose content
 * is unusable (no choices, wrong count) into a retryable failure. Throws only when `signal` aborts.
 */
export async function withRetries(
  attempt: () => Promise<AttemptResult>,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  validate: (json: unknown) => string | null,
  onRetry: (reason: string) => void = () => {},
): Promise<RetriedResult> {
  let last: Extract<AttemptResult, { ok: false }> | null = null;
  for (let i = 0; i <= policy.retries; i++) {
    if (i > 0) {
      onRetry(last!.reason);
      await sleep(retryDelayMs(i - 1, last!.retryAfterMs, policy), undefined, { signal });
    }
    const r = await attempt();
    if (r.ok) {
      const problem = validate(r.json);
      if (problem === null) return { ok: true, json: r.json, attempts: i + 1 };
      last = { ok: false, retryable: true, status: r.status, reason: problem, retryAfterMs: null };
    } else {
      last = r;
      if (!r.retryable) return { ok: false, reason: r.reason, status: r.status, attempts: i + 1, retryable: false };
    }
  }
  return { ok: false, reason: last!.reason, status: last!.status, attempts: policy.retries + 1, retryable: true };
}
