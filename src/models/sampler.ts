import type { GenerationConfig } from '../../schemas/generation.ts';
import type { Prompt } from '../../schemas/prompt.ts';
import type { FinishReason } from '../../schemas/sample.ts';

/**
 * What the engine asks a backend for: for one prompt, the samples with these indices (k of them, or the
 * missing ones on resume). `keys[i]` is the sample key of `indices[i]`: a backend derives each sample's random
 * stream from its key, so the same key gives the same text whatever the batch composition.
 * Grouping the k samples of a prompt lets a backend share one prefill (ONNX KV expansion, OpenAI `n`).
 */
export interface SampleRequest {
  prompt: Prompt;
  indices: readonly number[];
  keys: readonly string[];
}

/** What came back for one sample (vLLM's RequestOutput in spirit). */
export interface GeneratedSample {
  promptId: string;
  index: number;
  /** Text the chat template pre-filled in the assistant turn (e.g. "<think>\n"), '' when none. */
  prefill: string;
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Why the backend could not produce it (then finishReason is 'error' and text is ''). */
  error: string | null;
  /** Generated token ids, the EOS included when it ended the sample (backends that see tokens: onnx). */
  tokenIds?: readonly number[];
  /** What stopped it (vLLM's stop_reason): the stop string matched, the EOS token id, or null at the length limit. */
  stopReason?: string | number | null;
  /**
   * Set on an error sample when the failure is the backend's state (down, overloaded, timed out, connection reset),
   * not the request's: the engine never counts such a prompt as done; it samples it again after the backend
   * recovers, or in the next run. Unset or false: the request itself was refused (e.g. a prompt over the context).
   */
  transient?: boolean;
}

/** A live model backend. `generate` returns one GeneratedSample per requested index, in any order. */
export interface Sampler {
  /** Model identity written into every sample (`teacher` in distill/). */
  readonly model: string;
  generate(requests: readonly SampleRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<GeneratedSample[]>;
  close(): Promise<void>;
  /** Optional (additive): the backend's own counters for the build report (requests, retries, tokens, cost). */
  report?(): Record<string, unknown>;
  /**
   * Optional: one cheap request (a 1-token completion: a server's /health can answer 200 while its engine is hung)
   * telling whether the backend serves again. The engine's circuit breaker calls it during an outage.
   */
  probe?(signal?: AbortSignal): Promise<ProbeResult>;
}

/** What the engine tells a backend when it opens it (additive). */
export interface OpenContext {
  /** The build directory. */
  out?: string;
}

/** What a health probe found. `retryable: false` means waiting will not help (bad model name, bad key). */
export type ProbeResult = { ok: true } | { ok: false; retryable: boolean; reason: string };

/**
 * A backend as written in a pipeline file: describable (hashed into the generation config, so a different
 * model is a different sample key) and opened lazily (loading a model is costly and must come after config
 * validation).
 */
export interface Backend {
  readonly kind: string;
  /** JSON-serialisable identity of the model and anything that changes its outputs. */
  describe(): Record<string, unknown>;
  /** `context.out`: the build directory (a backend that starts servers keeps their logs there). */
  open(context?: OpenContext): Promise<Sampler>;
  /** Prompts per generate() call and generate() calls in flight that suit this backend. */
  readonly batchSize: number;
  readonly concurrency: number;
}
