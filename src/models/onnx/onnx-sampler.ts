import path from 'node:path';
import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { GeneratedSample, SampleRequest, Sampler } from '../sampler.ts';
import { ChatTokenizer, type RenderedPrompt } from './chat-tokenizer.ts';
import { DecoderSession, type SessionOptions } from './decoder-session.ts';
import { generateRows, type RowRequest, type RowResult } from './generate.ts';
import { readModelDir } from './model-dir.ts';

/** A loaded ONNX model that answers SampleRequests in-process. */
export class OnnxSampler implements Sampler {
  private constructor(
    readonly model: string,
    private readonly session: DecoderSession,
    readonly tokenizer: ChatTokenizer,
  ) {}

  static async load(dir: string, options: SessionOptions & { file?: string; name?: string } = {}): Promise<OnnxSampler> {
    const spec = readModelDir(dir, options.file);
    const tokenizer = ChatTokenizer.load(dir);
    const session = await DecoderSession.open(spec, options);
    return new OnnxSampler(options.name ?? path.basename(path.resolve(dir)), session, tokenizer);
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
      const out = await generateRows(this.session, this.tokenizer, rendered.map((r) => r.ids), rows, config, signal);
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
        });
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      for (const r of rendered) failAll(r.request, r.prompt.prefill, r.ids.length, `onnx (${this.model}): ${(e as Error).message}`);
    }
    return results;
  }

  /** Lower level: generate from token ids (prompts[i]) for rows that name their prompt and key. */
  generateRows(prompts: readonly number[][], rows: readonly RowRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<RowResult[]> {
    return generateRows(this.session, this.tokenizer, prompts, rows, config, signal);
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}
