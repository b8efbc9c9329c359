import { Template } from '@huggingface/jinja';
import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { Prompt } from '../../../schemas/prompt.ts';
import type { OpenAIOptions } from './options.ts';

export type Endpoint = OpenAIOptions['endpoint'];

/** Path under the base URL, as in OpenAI batch files' `url`. */
export function endpointPath(endpoint: Endpoint): string {
  return endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
}

/** Renders the completions prompt: chat template (when given) then the prefill. */
export type PromptRenderer = (prompt: Prompt) => string;

export function promptRenderer(options: Pick<OpenAIOptions, 'chatTemplate' | 'prefill'>): PromptRenderer {
  if (options.chatTemplate === undefined) {
    throw new Error('openai backend: endpoint "completions" needs a chatTemplate (Jinja) to turn messages into a prompt');
  }
  const template = new Template(options.chatTemplate);
  return (prompt) => template.render({ messages: prompt.messages, add_generation_prompt: true, bos_token: '', eos_token: '' }) + options.prefill;
}

/**
 * Per-prompt overrides: `prompt.meta.sampling` is an object of raw request fields (snake_case, e.g.
 * { temperature: 0.6, max_tokens: 32768 }) merged over the pipeline's generation config.
 */
export function promptOverrides(prompt: Prompt): Record<string, unknown> {
  const o = prompt.meta.sampling;
  return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : {};
}

/**
 * One request body (chat or completions). Non-standard sampling fields (top_k, min_p, repetition_penalty) are
 * sent only when they differ from their neutral value, so hosted APIs that reject them still work.
 */
export function requestBody(
  options: Pick<OpenAIOptions, 'model' | 'endpoint' | 'extraBody'>,
  render: PromptRenderer | null,
  prompt: Prompt,
  config: GenerationConfig,
  n: number,
  seed: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = { model: options.model };
  if (options.endpoint === 'chat') body.messages = prompt.messages;
  else body.prompt = (render as PromptRenderer)(prompt);
  if (n !== 1) body.n = n;
  body.temperature = config.temperature;
  body.top_p = config.topP;
  body.max_tokens = config.maxTokens;
  body.seed = seed;
  if (config.stop.length > 0) body.stop = config.stop;
  if (config.topK > 0) body.top_k = config.topK;
  if (config.minP > 0) body.min_p = config.minP;
  if (config.repetitionPenalty !== 1) body.repetition_penalty = config.repetitionPenalty;
  return { ...body, ...options.extraBody, ...promptOverrides(prompt) };
}

/** Rough prompt size for the tokens-per-minute budget before the server tells us (≈ 4 characters a token). */
export function estimatePromptTokens(body: Record<string, unknown>): number {
  const text = typeof body.prompt === 'string' ? body.prompt : JSON.stringify(body.messages ?? '');
  return Math.ceil(text.length / 4);
}
