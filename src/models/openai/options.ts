import { z } from 'zod';

/** Prices in a currency unit (e.g. USD) per million tokens; enables cost accounting in the backend report. */
export const OpenAIPrices = z.strictObject({
  promptPerMillion: z.number().min(0),
  completionPerMillion: z.number().min(0),
});
export type OpenAIPrices = z.infer<typeof OpenAIPrices>;

/**
 * `launch`: inference servers Distillery starts, watches and stops for the build (src/models/openai/server-supervisor.ts).
 * The command is run by /bin/sh with `{port}` (and `{replica}`) replaced, e.g. `vllm serve MODEL --port {port}`.
 */
export const OpenAILaunch = z.object({
  command: z.string().min(1),
  replicas: z.number().int().min(1).default(1),
  /** GPUs each replica gets through CUDA_VISIBLE_DEVICES (0: leave it as it is). */
  gpusPerReplica: z.number().int().min(0).default(1),
  /** GPU ids to hand out; default: this process's CUDA_VISIBLE_DEVICES, else 0, 1, 2, … */
  gpus: z.array(z.union([z.string(), z.number().int().min(0)]).transform(String)).optional(),
  /** Replica i listens on basePort + i; default: free ports. */
  basePort: z.number().int().min(1).max(65_535).optional(),
  apiPath: z.string().default('/v1'),
  /** Until a (re)started server must answer a 1-token request (large models load for minutes). */
  readyTimeoutMs: z.number().int().positive().default(20 * 60_000),
  /** Restarts of one replica over the run before it is given up. */
  maxRestarts: z.number().int().min(0).default(3),
  /** Where replica-<i>.log goes; default: <build dir>/servers. */
  logDir: z.string().optional(),
}).strict();
export type OpenAILaunch = z.infer<typeof OpenAILaunch>;

/**
 * Options of `openai({...})`. Only the fields that change what the model writes (model, endpoint, `n`, template,
 * prefill, extra body) go into describe() and so into the sample keys; where the server is (baseUrl) and how hard
 * we drive it (concurrency, rate limits, timeouts, retries) do not, so shards served by different hosts merge.
 */
export const OpenAIOptions = z.strictObject({
  /**
   * e.g. http://127.0.0.1:8000/v1 (vLLM, SGLang, TGI, llama.cpp server) or a hosted API; a list of servers of the
   * same model is one pool (least outstanding requests, failover: src/models/openai/endpoint-pool.ts). Not with `launch`.
   */
  baseUrl: z.union([z.string().url(), z.array(z.string().url()).min(1)]).optional(),
  /** Start, watch and stop the servers here instead (then no baseUrl). */
  launch: OpenAILaunch.optional(),
  model: z.string().min(1),
  /** Environment variable holding the API key; sent as a Bearer token when set. Never logged or described. */
  apiKeyEnv: z.string().min(1).default('OPENAI_API_KEY'),
  endpoint: z.enum(['chat', 'completions']).default('chat'),
  /** HTTP requests in flight at most. */
  concurrency: z.number().int().min(1).max(65_536).default(64),
  /** Requests per minute and tokens per minute (prompt estimate + max_tokens × n, corrected by usage). */
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  /** Ask for the k samples of a prompt in one request (`n`), sharing the prefill; falls back to k requests on refusal. */
  n: z.boolean().default(true),
  /**
   * Stream answers (`stream: true` with usage in the last chunk), which makes a stalled server visible; falls back
   * to plain requests for a server that refuses `stream`.
   */
  stream: z.boolean().default(true),
  /** Per attempt, from sending to the last body byte. R1-length answers take many minutes: keep it generous. */
  timeoutMs: z.number().int().positive().default(1_800_000),
  /** Per attempt: TCP connect. */
  connectTimeoutMs: z.number().int().positive().default(30_000),
  /** Per streamed attempt: from sending to the first token (the request may queue behind others: generous). */
  firstTokenTimeoutMs: z.number().int().positive().default(600_000),
  /** Per streamed attempt: the longest gap between chunks (reasoning models emit continuously) before it is a stall. */
  idleTimeoutMs: z.number().int().positive().default(120_000),
  /** Retries after the first attempt, on 429, 408, 5xx, timeouts, connection resets, malformed bodies. */
  retries: z.number().int().min(0).default(6),
  /** Backoff: full jitter in [0, min(maxBackoffMs, backoffMs · 2^attempt)]; Retry-After wins when given. */
  backoffMs: z.number().min(0).default(1000),
  maxBackoffMs: z.number().min(0).default(60_000),
  prices: OpenAIPrices.optional(),
  /** completions endpoint: Jinja chat template rendering `messages` (add_generation_prompt is true). */
  chatTemplate: z.string().optional(),
  /**
   * Text pre-filled in the assistant turn: appended to the rendered prompt on `completions`; on `chat`, declares
   * what the server's template already adds (e.g. "<think>\n" for DeepSeek-R1). Recorded as the sample prefill.
   */
  prefill: z.string().default(''),
  /** Extra request fields sent as is (e.g. { chat_template_kwargs: { enable_thinking: true } }). */
  extraBody: z.record(z.string(), z.unknown()).default({}),
}).refine((o) => (o.baseUrl === undefined) !== (o.launch === undefined), {
  path: ['baseUrl'],
  message: 'give either baseUrl (servers already running) or launch (servers Distillery starts), not both or neither',
}).refine((o) => o.endpoint !== 'completions' || o.chatTemplate !== undefined, {
  path: ['chatTemplate'],
  message: 'endpoint "completions" needs a chatTemplate (Jinja) to turn messages into a prompt',
});
export type OpenAIOptions = z.infer<typeof OpenAIOptions>;
export type OpenAIOptionsInput = z.input<typeof OpenAIOptions>;
