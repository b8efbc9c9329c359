import pLimit, { type LimitFunction } from 'p-limit';
import { GenerationConfig } from '../../../schemas/generation.ts';
import type { Prompt } from '../../../schemas/prompt.ts';
import type { GeneratedSample, ProbeResult, SampleRequest, Sampler } from '../sampler.ts';
import { UsageLedger } from './cost.ts';
import { deadlinesOf, JsonHttpClient } from './http-client.ts';
import type { JsonPoster } from './endpoint-pool.ts';
import type { OpenAIOptions } from './options.ts';
import { RateLimiter } from './rate-limiter.ts';
import { estimatePromptTokens, type PromptRenderer, promptRenderer, requestBody } from './request-body.ts';
import { mapResponse, responseProblem } from './response-mapping.ts';
import { type RetriedResult, withRetries } from './retry.ts';
import { requestSeed } from './seed.ts';

/** HTTP statuses that mean "this server does not take `n` > 1": fall back to one request per sample. */
const N_REFUSED = new Set([400, 422]);

/**
 * Statuses that refuse this very request (a prompt over the context, a bad field): sampling it again will not help.
 * Every other failure (down, 5xx, 429, timeouts, resets, but also 401/403/404: the server or its config) is the
 * backend's state: the samples are transient errors and the engine samples them again once it serves.
 */
const REQUEST_REFUSED = new Set([400, 413, 422]);

/**
 * A live OpenAI-compatible sampler. One `n` request per prompt (shared prefill) unless `n` is off or refused;
 * every request goes through the concurrency limit, the rate limiter and the retry loop; a request that keeps
 * failing yields `error` samples with the reason, never a throw (only the caller's abort throws).
 */
export class OpenAISampler implements Sampler {
  readonly model: string;
  private readonly client: JsonPoster;
  private readonly limit: LimitFunction;
  private readonly rate: RateLimiter;
  private readonly render: PromptRenderer | null;
  private readonly ledger: UsageLedger;
  private useN: boolean;
  private useStream: boolean;

  constructor(
    private readonly options: OpenAIOptions,
    apiKey: string | undefined,
    /** Where requests go when not the single baseUrl: a pool of servers (src/models/openai/endpoints.ts). */
    client?: JsonPoster & { report?(): Record<string, unknown> },
  ) {
    this.model = options.model;
    this.client = client ?? new JsonHttpClient(String(options.baseUrl), options.concurrency, apiKey ? { authorization: `Bearer ${apiKey}` } : {}, deadlinesOf(options));
    this.useStream = options.stream;
    this.limit = pLimit(options.concurrency);
    this.rate = new RateLimiter({ rpm: options.rpm, tpm: options.tpm });
    this.render = options.endpoint === 'completions' ? promptRenderer(options) : null;
    this.ledger = new UsageLedger(options.prices);
    this.useN = options.n;
  }

  async generate(requests: readonly SampleRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<GeneratedSample[]> {
    const groups = await Promise.all(requests.map((r) => this.generateGroup(r, config, signal)));
    return groups.flat();
  }

  private async generateGroup(req: SampleRequest, config: GenerationConfig, signal?: AbortSignal): Promise<GeneratedSample[]> {
    if (this.useN && req.indices.length > 1) {
      const res = await this.call(req.prompt, config, req.indices.length, requestSeed(config.seed, req.keys[0]), signal);
      if (res.ok || res.retryable || !N_REFUSED.has(res.status ?? 0)) return this.samplesOf(req.prompt, req.indices, res);
      // The server refused `n`: from now on, k single requests (each with its own per-sample seed).
      this.useN = false;
      this.ledger.nFallbacks++;
    }
    const singles = await Promise.all(
      req.indices.map(async (index, i) => {
        const res = await this.call(req.prompt, config, 1, requestSeed(config.seed, req.keys[i]), signal);
        return this.samplesOf(req.prompt, [index], res);
      }),
    );
    return singles.flat();
  }

  /** One logical request: retried attempts, each inside the concurrency limit and the rate limits. */
  private call(prompt: Prompt, config: GenerationConfig, n: number, seed: number, signal?: AbortSignal): Promise<RetriedResult> {
    const body = requestBody(this.options, this.render, prompt, config, n, seed);
    const path = this.options.endpoint === 'chat' ? '/chat/completions' : '/completions';
    const estimate = estimatePromptTokens(body) + config.maxTokens * n;
    const attempt = () =>
      this.limit(async () => {
        this.ledger.requests++;
        if (this.rate.active) {
          const wait = this.rate.reserve(estimate);
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        let r = await this.client.post(path, this.useStream ? { ...body, stream: true, stream_options: { include_usage: true } } : body, signal, this.useStream);
        // A server that refuses `stream` (400/422): the same request plain; if that works, plain from now on.
        if (this.useStream && !r.ok && !r.retryable && N_REFUSED.has(r.status ?? 0)) {
          const plain = await this.client.post(path, body, signal);
          if (plain.ok || plain.status !== r.status) {
            this.useStream = false;
            this.ledger.streamFallbacks++;
          }
          r = plain;
        }
        if (this.rate.active) {
          const usage = r.ok ? (r.json as { usage?: { total_tokens?: number } }).usage?.total_tokens : 0;
          this.rate.settle(estimate, usage ?? estimate);
        }
        if (!r.ok) this.ledger.recordFailure(r.reason);
        return r;
      });
    return withRetries(attempt, this.options, signal, (json) => responseProblem(json, this.options.endpoint, n), () => this.ledger.retries++);
  }

  private samplesOf(prompt: Prompt, indices: readonly number[], res: RetriedResult): GeneratedSample[] {
    this.ledger.samples += indices.length;
    if (!res.ok) {
      this.ledger.failedRequests++;
      this.ledger.errorSamples += indices.length;
      const error = `openai ${this.model}: ${res.attempts} attempt(s) failed; last: ${res.reason}`;
      const transient = res.retryable || !REQUEST_REFUSED.has(res.status ?? 0);
      return indices.map((index) => this.errorSample(prompt.id, index, error, transient));
    }
    const mapped = mapResponse(res.json, this.options.endpoint);
    this.ledger.recordUsage(mapped.promptTokens, mapped.completionTokens);
    return indices.map((index, i) => {
      const c = mapped.choices[i];
      if (c.error !== null) {
        this.ledger.errorSamples++;
        // "abort": the server dropped the request (shutting down, preempted), not a verdict on the prompt.
        return this.errorSample(prompt.id, index, `openai ${this.model}: ${c.error}`, c.error.includes('"abort"'));
      }
      return {
        promptId: prompt.id,
        index,
        prefill: this.options.prefill,
        text: c.text,
        finishReason: c.finishReason,
        promptTokens: mapped.promptTokens,
        completionTokens: c.completionTokens,
        error: null,
      };
    });
  }

  private errorSample(promptId: string, index: number, error: string, transient = false): GeneratedSample {
    return { promptId, index, prefill: this.options.prefill, text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, error, transient };
  }

  /**
   * One attempt of a 1-token completion, outside the retry loop and the rate limits: does the server generate
   * again? (vLLM's /health can answer 200 while its engine is hung.) 401/403/404 say waiting will not help.
   */
  async probe(signal?: AbortSignal): Promise<ProbeResult> {
    const prompt: Prompt = { id: 'probe', messages: [{ role: 'user', content: 'ping' }], reference: null, domain: 'probe', source: 'probe', meta: {} };
    const body = requestBody(this.options, this.render, prompt, GenerationConfig.parse({ k: 1, temperature: 0, maxTokens: 1 }), 1, 0);
    const path = this.options.endpoint === 'chat' ? '/chat/completions' : '/completions';
    const r = await this.client.post(path, body, signal);
    if (r.ok) return { ok: true };
    return { ok: false, retryable: r.retryable || !new Set([401, 403, 404]).has(r.status ?? 0), reason: r.reason };
  }

  /** Requests, retries, failures by kind, tokens and cost (when prices are set), for the build report. */
  report(): Record<string, unknown> {
    const servers = (this.client as { report?(): Record<string, unknown> }).report?.();
    return { backend: 'openai', model: this.model, ...this.ledger.report(), ...(servers ?? {}) };
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
