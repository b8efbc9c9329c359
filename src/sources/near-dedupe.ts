import { DEFAULT_MINHASH, MinHashLsh, type MinHashOptions } from './minhash-lsh.ts';
import { filterSources, userText, type FilteredSource, type PromptFilter } from './prompt-filter-stage.ts';
import type { Source } from './source.ts';

export type NearDedupeOptions = Partial<MinHashOptions>;

/**
 * The near-duplicate prompt filter: MinHash over word shingles of the user turns with LSH banding. The first
 * prompt of a near-duplicate group is kept; each later one is dropped as a quarantine item with reason
 * `near-duplicate: of <id> (estimated Jaccard 0.91)` and its detail `{ duplicate_of, jaccard }`.
 */
export function nearDedupeFilter(options: NearDedupeOptions = {}): PromptFilter {
  const opts = { ...DEFAULT_MINHASH, ...options };
  // Validate now, so a bad option fails at pipeline definition, not mid-build.
  const probe = new MinHashLsh(opts);
  return {
    name: 'near-dedupe',
    describe: () => ({ ...probe.options }),
    // The index grows ~270 bytes a kept prompt (~230 MB at 860k): built in a pass of its own and released, so the
    // build's memory stays flat while it samples and writes.
    twoPass: true,
    async start() {
      const index = new MinHashLsh(opts);
      return (prompt) => {
        const dup = index.checkAndAdd(prompt.id, userText(prompt));
        if (!dup) return { keep: true };
        const jaccard = Math.round(dup.jaccard * 1000) / 1000;
        return {
          keep: false,
          reason: `near-duplicate: of ${dup.duplicateOf} (estimated Jaccard ${jaccard.toFixed(2)})`,
          detail: { duplicate_of: dup.duplicateOf, jaccard },
        };
      };
    },
  };
}

/** Near-duplicate removal across one or more sources, as a Source: `nearDedupe([jsonl(a), jsonl(b)])`. */
export function nearDedupe(inputs: Source | readonly Source[], options: NearDedupeOptions = {}): FilteredSource {
  return filterSources(nearDedupeFilter(options), inputs);
}
