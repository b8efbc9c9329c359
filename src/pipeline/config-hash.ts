import type { GenerationConfig } from '../../schemas/generation.ts';
import type { Pipeline } from './define.ts';
import { canonicalJson, sha256Hex } from '../../schemas/canonical-json.ts';

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
