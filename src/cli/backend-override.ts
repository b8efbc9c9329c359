import type { Pipeline } from '../pipeline/define.ts';
import { openai, OPENAI_KIND, type OpenAIBackend } from '../models/openai/index.ts';
import { UsageError } from './args.ts';

/** The flags that replace a pipeline's backend: `--backend openai --base-url URL --model NAME`. */
export const BACKEND_OVERRIDE_FLAGS = {
  backend: { type: 'string' },
  'base-url': { type: 'string' },
  model: { type: 'string' },
} as const;

export interface BackendOverrideValues {
  backend?: string;
  'base-url'?: string;
  model?: string;
}

/**
 * The pipeline with its backend replaced when the flags ask for it. An openai backend in the pipeline keeps its
 * other options (concurrency, rate limits, template…); any other backend is replaced by openai defaults.
 * `defaultBaseUrl` is for commands that never connect (batch files).
 */
export function applyBackendOverride(command: string, pipeline: Pipeline, v: BackendOverrideValues, defaultBaseUrl?: string): Pipeline {
  if (v.backend === undefined) {
    if (v['base-url'] !== undefined || v.model !== undefined) throw new UsageError(`${command}: --base-url and --model go with --backend openai`);
    return pipeline;
  }
  if (v.backend !== OPENAI_KIND) throw new UsageError(`${command}: --backend: only "openai" can be chosen on the command line, got "${v.backend}"`);
  const inherited = pipeline.backend.kind === OPENAI_KIND ? (pipeline.backend as OpenAIBackend).input : undefined;
  const baseUrl = v['base-url'] ?? inherited?.baseUrl ?? defaultBaseUrl;
  const model = v.model ?? inherited?.model;
  if (!baseUrl) throw new UsageError(`${command}: --backend openai needs --base-url URL (e.g. http://127.0.0.1:8000/v1)`);
  if (!model) throw new UsageError(`${command}: --backend openai needs --model NAME (the served model name)`);
  let backend: OpenAIBackend;
  try {
    backend = openai({ ...(inherited ?? {}), baseUrl, model });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
  return Object.freeze({ ...pipeline, backend });
}

/** The pipeline's backend as an openai backend (batch files need its request shape), or a usage error. */
export function openaiBackendOf(command: string, pipeline: Pipeline): OpenAIBackend {
  if (pipeline.backend.kind !== OPENAI_KIND) {
    throw new UsageError(`${command}: the pipeline's backend is "${pipeline.backend.kind}"; batch files need an OpenAI-compatible one: add --backend openai --model NAME`);
  }
  return pipeline.backend as OpenAIBackend;
}
