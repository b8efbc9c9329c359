import pLimit from 'p-limit';
import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { Backend, GeneratedSample, Sampler, SampleRequest } from '../../models/sampler.ts';

/**
 * A Backend that merges generate() calls made in the same tick into batches of the wrapped backend's batchSize.
 * The CLI judges one line per call; this turns many concurrent one-line calls into full model batches.
 * Calls with a different generation config or abort signal are never merged.
 */
export function coalescing(inner: Backend): Backend {
  return {
    kind: inner.kind,
    describe: () => inner.describe(),
    batchSize: inner.batchSize,
    concurrency: inner.concurrency,
    async open(): Promise<Sampler> {
      const sampler = await inner.open();
      const limit = pLimit(Math.max(1, inner.concurrency));
      type Waiting = { requests: readonly SampleRequest[]; config: GenerationConfig; resolve: (o: GeneratedSample[]) => void; reject: (e: unknown) => void };
      let queue: Waiting[] = [];
      const flush = () => {
        const taken = queue;
        queue = [];
        const groups = new Map<GenerationConfig, Waiting[]>();
        for (const w of taken) groups.set(w.config, [...(groups.get(w.config) ?? []), w]);
        for (const [config, waiting] of groups) {
          for (let i = 0; i < waiting.length; ) {
            const batch: Waiting[] = [];
            let n = 0;
            while (i < waiting.length && (batch.length === 0 || n + waiting[i].requests.length <= inner.batchSize)) {
              n += waiting[i].requests.length;
              batch.push(waiting[i++]);
            }
            void limit(async () => {
              try {
                const out = await sampler.generate(batch.flatMap((w) => w.requests), config);
                for (const w of batch) {
                  const ids = new Set(w.requests.map((r) => r.prompt.id));
                  w.resolve(out.filter((o) => ids.has(o.promptId)));
                }
              } catch (e) {
                for (const w of batch) w.reject(e);
              }
            });
          }
        }
      };
      return {
        model: sampler.model,
        generate(requests, config, signal) {
          if (signal) return sampler.generate(requests, config, signal);
          return new Promise((resolve, reject) => {
            if (queue.length === 0) setImmediate(flush);
            queue.push({ requests, config, resolve, reject });
          });
        },
        close: () => sampler.close(),
      };
    },
  };
}
