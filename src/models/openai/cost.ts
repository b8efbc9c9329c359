import type { OpenAIPrices } from './options.ts';

/** Counters of one backend: what was asked, what it cost, what failed. Reported, never part of a sample key. */
export class UsageLedger {
  requests = 0;
  retries = 0;
  failedRequests = 0;
  errorSamples = 0;
  samples = 0;
  promptTokens = 0;
  completionTokens = 0;
  /** Requests for which `n` was refused and k single requests were sent instead. */
  nFallbacks = 0;
  /** Times the server refused `stream` and requests went plain. */
  streamFallbacks = 0;
  readonly failures = new Map<string, number>();

  constructor(private readonly prices: OpenAIPrices | undefined) {}

  recordUsage(promptTokens: number, completionTokens: number): void {
    this.promptTokens += promptTokens;
    this.completionTokens += completionTokens;
  }

  recordFailure(reason: string): void {
    // Group by the reason's head ("HTTP 500", "timed out", "ECONNRESET") so the report stays short.
    const head = reason.split(':')[0].slice(0, 80);
    this.failures.set(head, (this.failures.get(head) ?? 0) + 1);
  }

  /** Cost in the prices' unit, or null when no prices are configured. */
  cost(): number | null {
    if (!this.prices) return null;
    return (this.promptTokens * this.prices.promptPerMillion + this.completionTokens * this.prices.completionPerMillion) / 1e6;
  }

  report(): Record<string, unknown> {
    return {
      requests: this.requests,
      retries: this.retries,
      failedRequests: this.failedRequests,
      samples: this.samples,
      errorSamples: this.errorSamples,
      nFallbacks: this.nFallbacks,
      streamFallbacks: this.streamFallbacks,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      cost: this.cost(),
      failures: Object.fromEntries(this.failures),
    };
  }
}
