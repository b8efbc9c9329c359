import type { Prompt } from '../../../schemas/prompt.ts';
import { ExactDedupe } from '../../sources/exact-dedupe.ts';
import { inShard, type ShardSpec } from '../../sources/shard.ts';
import type { Source, SourceItem, SourceReadOptions } from '../../sources/source.ts';

/** What decides which prompts a build samples (as the engine does): dedupe, shard, limit. */
export interface ScopeOptions {
  dedupe: boolean;
  maxPromptBytes: number;
  shard?: ShardSpec;
  limit?: number;
}

/**
 * Classifies prompts in reading order the way the engine does (exact dedupe over all prompts, then the shard
 * filter, then the limit), so batch export writes requests for exactly the prompts a run would sample.
 */
class Scope {
  private readonly dedupe: ExactDedupe;
  private inScope = 0;

  constructor(private readonly opts: ScopeOptions) {
    this.dedupe = new ExactDedupe(opts.dedupe);
  }

  /** 'sample' for a prompt the build samples; 'skip' for duplicates and other shards; 'done' past the limit. */
  classify(p: Prompt): 'sample' | 'skip' | 'done' {
    const seen = this.dedupe.check(p);
    if (!inShard(p.id, this.opts.shard) || seen !== 'new') return 'skip';
    if (this.opts.limit !== undefined && ++this.inScope > this.opts.limit) return 'done';
    return 'sample';
  }
}

/** The prompts a build over `sources` would sample, in the engine's order. */
export async function* promptsInScope(sources: readonly Source[], opts: ScopeOptions): AsyncGenerator<Prompt> {
  const scope = new Scope(opts);
  for (const source of sources) {
    for await (const item of source.read({ maxPromptBytes: opts.maxPromptBytes })) {
      if (item.kind !== 'prompt') continue;
      const c = scope.classify(item.prompt);
      if (c === 'done') return;
      if (c === 'sample') yield item.prompt;
    }
  }
}

/** Where an import stopped: the first prompt in scope whose results are not all there yet. */
export interface PrefixState {
  stoppedAt: string | null;
  complete: number;
}

/**
 * Wrap the sources so they end just before the first in-scope prompt lacking a result: the engine resumes by
 * reading position, so an import must cover a prefix of the input for a later import (with more result files)
 * to pick up exactly where it stopped. Identity (describe, digest) is the wrapped sources'.
 */
export function resultsPrefix(sources: readonly Source[], opts: ScopeOptions, hasAllResults: (p: Prompt) => boolean): { sources: Source[]; state: PrefixState } {
  const scope = new Scope({ ...opts, limit: undefined });
  const state: PrefixState = { stoppedAt: null, complete: 0 };
  const wrap = (inner: Source): Source => ({
    name: inner.name,
    describe: () => inner.describe(),
    digest: () => inner.digest(),
    async *read(options?: SourceReadOptions): AsyncGenerator<SourceItem> {
      if (state.stoppedAt !== null) return;
      for await (const item of inner.read(options)) {
        if (item.kind === 'prompt' && scope.classify(item.prompt) === 'sample') {
          if (opts.limit !== undefined && state.complete >= opts.limit) return;
          if (!hasAllResults(item.prompt)) {
            state.stoppedAt = item.prompt.id;
            return;
          }
          state.complete++;
        }
        yield item;
      }
    },
  });
  return { sources: sources.map(wrap), state };
}
