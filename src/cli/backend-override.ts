import type { Pipeline } from '../pipeline/define.ts';
import { openai, OPENAI_KIND, type OpenAIBackend, type OpenAIOptionsInput } from '../models/openai/index.ts';
import { UsageError } from './args.ts';
import type { FlagSpec } from './command.ts';

/** The flags that replace a pipeline's backend: `--backend openai --base-url URL --model NAME`. */
export const BACKEND_OVERRIDE_FLAGS: Record<string, FlagSpec> = {
  backend: { type: 'string', value: 'openai', help: "replace the pipeline's backend with an OpenAI-compatible one" },
  'base-url': { type: 'string', value: 'URL[,URL…]', help: 'with --backend openai: the server(s), e.g. http://127.0.0.1:8000/v1 (a comma-separated list is one pool)' },
  model: { type: 'string', value: 'NAME', help: 'with --backend openai: the served model name' },
  server: { type: 'string', value: 'CMD', help: "with --backend openai: start the inference server(s) here, e.g. 'vllm serve MODEL --port {port}'" },
  replicas: { type: 'string', value: 'N', help: 'with --server: how many servers to start (default 1)' },
  'gpus-per-replica': { type: 'string', value: 'G', help: 'with --server: GPUs given to each server through CUDA_VISIBLE_DEVICES' },
};

export interface BackendOverrideValues {
  backend?: string;
  'base-url'?: string;
  model?: string;
  server?: string;
  replicas?: string;
  'gpus-per-replica'?: string;
}

function count(command: string, flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

/**
 * The pipeline with its backend replaced when the flags ask for it. An openai backend in the pipeline keeps its
 * other options (concurrency, rate limits, template…); any other backend is replaced by openai defaults.
 * `defaultBaseUrl` is for commands that never connect (batch files).
 */
export function applyBackendOverride(command: string, pipeline: Pipeline, v: BackendOverrideValues, defaultBaseUrl?: string): Pipeline {
  if (v.backend === undefined) {
    const stray = (['base-url', 'model', 'server', 'replicas', 'gpus-per-replica'] as const).find((f) => v[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} goes with --backend openai`);
    return pipeline;
  }
  if (v.backend !== OPENAI_KIND) throw new UsageError(`--backend: only "openai" can be chosen on the command line, got "${v.backend}"`);
  if (v.server === undefined && (v.replicas !== undefined || v['gpus-per-replica'] !== undefined)) throw new UsageError(`--replicas and --gpus-per-replica go with --server CMD`);
  if (v.server !== undefined && v['base-url'] !== undefined) throw new UsageError(`give --base-url (servers already running) or --server CMD (servers started here), not both`);
  const inherited = pipeline.backend.kind === OPENAI_KIND ? (pipeline.backend as OpenAIBackend).input : undefined;
  const { baseUrl: inheritedUrl, launch: inheritedLaunch, ...rest } = inherited ?? {};
  const model = v.model ?? inherited?.model;
  if (!model) throw new UsageError(`--backend openai needs --model NAME (the served model name)`);
  // Where requests go: --server starts servers here; --base-url (a comma-separated list: one pool) names running ones.
  let where: Pick<OpenAIOptionsInput, 'baseUrl' | 'launch'>;
  if (v.server !== undefined) {
    where = {
      launch: {
        ...(inheritedLaunch ?? {}),
        command: v.server,
        ...(v.replicas !== undefined ? { replicas: count(command, 'replicas', v.replicas, 1) } : {}),
        ...(v['gpus-per-replica'] !== undefined ? { gpusPerReplica: count(command, 'gpus-per-replica', v['gpus-per-replica'], 0) } : {}),
      },
    };
  } else if (v['base-url'] !== undefined) {
    const urls = v['base-url'].split(',').map((u) => u.trim()).filter((u) => u !== '');
    where = { baseUrl: urls.length === 1 ? urls[0] : urls };
  } else if (inheritedUrl !== undefined || inheritedLaunch !== undefined) {
    where = inheritedLaunch !== undefined ? { launch: inheritedLaunch } : { baseUrl: inheritedUrl };
  } else if (defaultBaseUrl !== undefined) {
    where = { baseUrl: defaultBaseUrl };
  } else {
    throw new UsageError(`--backend openai needs --base-url URL[,URL…] (e.g. http://127.0.0.1:8000/v1) or --server CMD (e.g. 'vllm serve MODEL --port {port}')`);
  }
  let backend: OpenAIBackend;
  try {
    backend = openai({ ...rest, ...where, model });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}`);
  }
  return Object.freeze({ ...pipeline, backend });
}

/** The pipeline's backend as an openai backend (batch files need its request shape), or a usage error. */
export function openaiBackendOf(command: string, pipeline: Pipeline): OpenAIBackend {
  if (pipeline.backend.kind !== OPENAI_KIND) {
    throw new UsageError(`the pipeline's backend is "${pipeline.backend.kind}"; batch files need an OpenAI-compatible one: add --backend openai --model NAME`);
  }
  return pipeline.backend as OpenAIBackend;
}
