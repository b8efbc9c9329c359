import { createHash } from 'node:crypto';
import type { GenerationConfig } from '../../schemas/generation.ts';
import type { Pipeline } from './define.ts';

/** JSON with sorted keys, so equal configs hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The generation-config hash in every sample key: the model identity and every sampling parameter that changes
 * a sample's text. `k` is left out on purpose: sample i is the same request whether k is 4 or 8, so a build
 * with a larger k reuses the first samples.
 */
export function generationHash(backend: Record<string, unknown>, gen: GenerationConfig): string {
  const { k: _k, ...params } = gen;
  return sha256Hex(canonicalJson({ backend, params })).slice(0, 16);
}

/** The pipeline config as JSON: what the manifest records and what a resume must match. */
export function pipelineConfigJson(p: Pipeline): Record<string, unknown> {
  return {
    name: p.name,
    sources: p.sources.map((s) => s.describe()),
    backend: p.backend.describe(),
    generation: p.generation,
    judges: p.judges.map((j) => j.describe()),
    selection: p.selection.describe(),
    output: p.output,
    dedupe: p.dedupe,
    maxPromptBytes: p.maxPromptBytes,
    // Only when set, so the hash of a pipeline without them is unchanged.
    ...(p.target ? { target: p.target } : {}),
    ...(p.quotas ? { quotas: p.quotas } : {}),
    // Declared parameters (distillery run --set): recorded in the manifest; other values are another config.
    ...(p.parameters ? { parameters: p.parameters } : {}),
  };
}

export function pipelineConfigHash(p: Pipeline): string {
  return sha256Hex(canonicalJson(pipelineConfigJson(p)));
}
