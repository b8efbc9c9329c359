/**
 * A token bucket that may go into debt: `reserve` always takes the tokens and says how long to wait before
 * using them. Debt keeps callers in arrival order and lets a request larger than the bucket through (after a
 * full refill's wait) instead of deadlocking. Pure: time is passed in.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly capacity: number,
    /** tokens added per millisecond */
    readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.refillPerMs);
    this.last = now;
  }

  /** Take `cost` tokens; returns the milliseconds to wait before the work may start (0 when available now). */
  reserve(cost: number, now: number): number {
    this.refill(now);
    this.tokens -= cost;
    return this.tokens >= 0 ? 0 : -this.tokens / this.refillPerMs;
  }

  /** Correct an estimate once the real cost is known (positive charges more, negative refunds). */
  adjust(delta: number, now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens - delta);
  }
}

/** Requests-per-minute and tokens-per-minute limits over one backend. */
export class RateLimiter {
  private readonly requests: TokenBucket | null;
  private readonly tokens: TokenBucket | null;

  constructor(
    limits: { rpm?: number; tpm?: number },
    private readonly now: () => number = () => performance.now(),
  ) {
    const t = now();
    this.requests = limits.rpm ? new TokenBucket(limits.rpm, limits.rpm / 60_000, t) : null;
    this.tokens = limits.tpm ? new TokenBucket(limits.tpm, limits.tpm / 60_000, t) : null;
  }

  get active(): boolean {
    return this.requests !== null || this.tokens !== null;
  }

  /** Milliseconds to wait before sending a request of `estimatedTokens`. */
  reserve(estimatedTokens: number): number {
    const t = this.now();
    return Math.max(this.requests?.reserve(1, t) ?? 0, this.tokens?.reserve(estimatedTokens, t) ?? 0);
  }

  /** After the response: charge the difference between the real usage and the estimate. */
  settle(estimatedTokens: number, actualTokens: number): void {
    this.tokens?.adjust(actualTokens - estimatedTokens, this.now());
  }
}
