import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { Backend, GeneratedSample, SampleRequest, Sampler } from '../sampler.ts';
import type { BatchResultIndex } from './batch-results.ts';
import type { OpenAIBackend } from './index.ts';
import { mapResponse, responseProblem } from './response-mapping.ts';

/**
 * A backend that serves samples from batch output files instead of a live server. It describes itself as the
 * online backend whose requests the batch file holds (see batchOptions), so the sample keys, the config hash
 * and the corpus rows are those of the online build, and a re-import resumes the same build directory.
 */
export function batchResultsBackend(online: OpenAIBackend, results: BatchResultIndex): Backend {
  const { endpoint, prefill, model } = online.options;
  const sampleOf = async (promptId: string, index: number, key: string): Promise<GeneratedSample> => {
    const base = { promptId, index, prefill };
    const error = (reason: string): GeneratedSample => ({ ...base, text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, error: `openai batch ${model}: ${reason}` });
    const r = await results.get(key);
    if (r === null) return error(`no result line with custom_id "${key}" in ${results.files.join(', ')}`);
    if (!r.ok) return error(r.reason);
    const problem = responseProblem(r.body, endpoint, 1);
    if (problem !== null) return error(`custom_id "${key}": ${problem}`);
    const m = mapResponse(r.body, endpoint);
    const c = m.choices[0];
    if (c.error !== null) return error(c.error);
    return { ...base, text: c.text, finishReason: c.finishReason, promptTokens: m.promptTokens, completionTokens: c.completionTokens, error: null };
  };
  const sampler: Sampler = {
    model,
    async generate(requests: readonly SampleRequest[], _config: GenerationConfig): Promise<GeneratedSample[]> {
      return Promise.all(requests.flatMap((r) => r.indices.map((index, i) => sampleOf(r.prompt.id, index, r.keys[i]))));
    },
    close: () => results.close(),
  };
  return {
    kind: 'openai-batch',
    describe: () => online.describe(),
    open: async () => sampler,
    batchSize: 16,
    concurrency: 4,
  };
}
