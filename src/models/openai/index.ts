import { createHash } from 'node:crypto';
import { ConfigError } from '../../../schemas/config-error.ts';
import type { Backend, OpenContext } from '../sampler.ts';
import { openEndpoints } from './endpoints.ts';
import { OpenAIOptions, type OpenAIOptionsInput } from './options.ts';
import { OpenAISampler } from './sampler.ts';
import { parseOptions } from '../../config/strict-options.ts';

export { OpenAIOptions, type OpenAIOptionsInput } from './options.ts';
export { OpenAISampler } from './sampler.ts';

/** The backend kind; `distillery batch` recognises it. */
export const OPENAI_KIND = 'openai';

export interface OpenAIBackend extends Backend {
  readonly options: OpenAIOptions;
  /** The options as given (defaults not filled in): what an override starts from. */
  readonly input: Readonly<OpenAIOptionsInput>;
}

/**
 * An OpenAI-compatible backend (vLLM, SGLang, TGI, llama.cpp server, hosted APIs):
 * `openai({ baseUrl: 'http://127.0.0.1:8000/v1', model: 'deepseek-ai/DeepSeek-R1', concurrency: 256 })`.
 * The API key is read from `process.env[apiKeyEnv]` when the sampler opens; it is never described or logged.
 */
export function openai(input: OpenAIOptionsInput): OpenAIBackend {
  const options = Object.freeze(parseOptions('openai backend', OpenAIOptions, input));
  const keyRequired = input.apiKeyEnv !== undefined;
  return {
    kind: OPENAI_KIND,
    options,
    input: Object.freeze({ ...input }),
    batchSize: 1,
    concurrency: options.concurrency,
    describe: () => ({
      kind: OPENAI_KIND,
      model: options.model,
      endpoint: options.endpoint,
      n: options.n,
      prefill: options.prefill,
      ...(options.chatTemplate !== undefined ? { chatTemplateSha256: createHash('sha256').update(options.chatTemplate).digest('hex') } : {}),
      ...(Object.keys(options.extraBody).length > 0 ? { extraBody: options.extraBody } : {}),
    }),
    async open(context?: OpenContext) {
      const apiKey = process.env[options.apiKeyEnv];
      if (keyRequired && !apiKey) {
        throw new ConfigError(`openai backend: environment variable ${options.apiKeyEnv} is not set (it holds the API key)`);
      }
      return new OpenAISampler(options, apiKey || undefined, await openEndpoints(options, apiKey || undefined, context));
    },
  };
}
