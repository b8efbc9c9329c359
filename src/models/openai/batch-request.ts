import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { Prompt } from '../../../schemas/prompt.ts';
import type { OpenAIOptions } from './options.ts';
import { endpointPath, promptRenderer, requestBody } from './request-body.ts';
import { requestSeed } from './seed.ts';

/** One line of an OpenAI batch input file (also what `vllm run-batch -i` reads). */
export interface BatchRequestLine {
  custom_id: string;
  method: 'POST';
  url: string;
  body: Record<string, unknown>;
}

/**
 * Batch files hold one request per sample (`custom_id` = sample key, n = 1, the sample's own seed): exactly the
 * requests an online run with `n: false` sends, so an imported build and such an online build are the same build.
 */
export function batchOptions(options: OpenAIOptions): OpenAIOptions {
  return { ...options, n: false };
}

/** A writer of batch lines for one backend configuration. */
export function batchRequestWriter(options: OpenAIOptions, config: GenerationConfig): (prompt: Prompt, key: string) => BatchRequestLine {
  const render = options.endpoint === 'completions' ? promptRenderer(options) : null;
  const url = endpointPath(options.endpoint);
  return (prompt, key) => ({ custom_id: key, method: 'POST', url, body: requestBody(options, render, prompt, config, 1, requestSeed(config.seed, key)) });
}
