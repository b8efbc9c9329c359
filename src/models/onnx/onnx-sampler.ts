import path from 'node:path';
import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { GeneratedSample, SampleRequest, Sampler } from '../sampler.ts';
import { ChatTokenizer, type RenderedPrompt } from './chat-tokenizer.ts';
import { ContinuousBatcher } from './continuous-batch.ts';
import { DecoderSession, type SessionOptions } from './decoder-session.ts';
import { readModelDir } from './model-dir.ts';
import type { RowRequest, RowResult } from './sequence.ts';
import { generateStatic } from './static-batch.ts';

export interface SamplerOptions extends SessionOptions {
  file?: string;
  name?: string;
  /** Rows of the continuous batch (sequences decoded together). */
  slots?: number;
  /**
   * Rows per lane: the slots are split into lanes of this many rows, each its own KV cache and model run a step.
   * Default: all slots on webgpu, HOST_LANE_ROWS (16) on cpu/cuda (docs/model.md, "Continuous batching").
   */
  laneRows?: number;
}

/** Default number of batch slots (sequences decoded together); bench:onnx measured 64 against 128 (docs/model.md). */
export const DEFAULT_SLOTS = 64;

/**
 * A loaded ONNX model that answers SampleRequests in-process, through one continuous batch: concurrent generate()
 * calls share its slots.
 */
export class OnnxSampler implements Sampler {
  private readonly batcher: ContinuousBatcher;

  private constructor(
    readonly model: string,
    private readonly session: DecoderSession,
    readonly tokenizer: ChatTokenizer,
    slots: number,
    laneRows?: number,
  ) {
    this.batcher = new ContinuousBatcher(session, tokenizer, slots, laneRows);
  }

  static async load(dir: string, options: SamplerOptions = {}): Promise<OnnxSampler> {
    const spec = readModelDir(dir, options.file);
    const tokenizer = ChatTokenizer.load(dir);
    const session = await DecoderSession.open(spec, options);
    return new OnnxSampler(options.name ?? path.basename(path.resolve(dir)), session, tokenizer, options.slots ?? DEFAULT_SLOTS, options.laneRows);
  }

  /** The device the model runs on. */
  get device() {
    return this.session.device;
  }

  /** Why tokens are no longer picked on the device (the pick graph failed on it), or null. */
  get devicePickError(): string | null {
    return this.session.devicePickError;
  }

  /** Rows per lane of the continuous batch (each lane is one KV cache and one model run a step). */
  get laneRows(): number {
    return this.batcher.laneRows;
  }

  /** Counters of the continuous batch (steps, prefills, KV re-layouts, slot occupancy, device/host picks). */
  get batchStats() {
    return this.batcher.stats;
  }

  async generate(requests: readonly SampleRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<GeneratedSample[]> {
    const maxContext = this.session.spec.maxContext;
    const rendered: { request: SampleRequest; prompt: RenderedPrompt; ids: number[] }[] = [];
    const results: GeneratedSample[] = [];
    const failAll = (request: SampleRequest, prefill: string, promptTokens: number, error: string) =>
      request.indices.forEach((index) =>
        results.push({ promptId: request.prompt.id, index, prefill, text: '', finishReason: 'error', promptTokens, completionTokens: 0, error }),
      );
    for (const request of requests) {
      if (request.indices.length === 0) continue;
      try {
        const prompt = this.tokenizer.render(request.prompt.messages);
        const ids = this.tokenizer.encodePrompt(prompt);
        if (maxContext !== null && ids.length >= maxContext) {
          failAll(request, prompt.prefill, ids.length, `prompt ${request.prompt.id} has ${ids.length} tokens; the model's context is ${maxContext}`);
        } else {
          rendered.push({ request, prompt, ids });
        }
      } catch (e) {
        failAll(request, '', 0, `prompt ${request.prompt.id}: ${(e as Error).message}`);
      }
    }
    if (rendered.length === 0) return results;
    const rows: (RowRequest & { request: SampleRequest; index: number })[] = [];
    rendered.forEach((r, prompt) => r.request.indices.forEach((index, i) => rows.push({ prompt, key: r.request.keys[i], request: r.request, index })));
    try {
      const out = await this.batcher.generate(rendered.map((r) => r.ids), rows, config, signal);
      out.forEach((o, i) => {
        const { prompt, request, index } = rows[i];
        results.push({
          promptId: request.prompt.id,
          index,
          prefill: rendered[prompt].prompt.prefill,
          text: o.text,
          finishReason: o.finishReason,
          promptTokens: rendered[prompt].ids.length,
          completionTokens: o.completionTokens,
          error: null,
          tokenIds: o.tokenIds,
          stopReason: o.stopReason,
        });
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      for (const r of rendered) failAll(r.request, r.prompt.prefill, r.ids.length, `onnx (${this.model}): ${(e as Error).message}`);
    }
    return results;
  }

  /** Lower level: generate from token ids (prompts[i]) for rows that name their prompt and key (continuous batch). */
  generateRows(prompts: readonly number[][], rows: readonly RowRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<RowResult[]> {
    return this.batcher.generate(prompts, rows, config, signal);
  }

  /** The same with static batching (the earlier scheduler): the reference that tests and bench:onnx compare with. */
  generateRowsStatic(prompts: readonly number[][], rows: readonly RowRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<RowResult[]> {
    return generateStatic(this.session, this.tokenizer, prompts, rows, config, signal);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
