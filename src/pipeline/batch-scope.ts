import type { Prompt } from '../../schemas/prompt.ts';
import { admit, Admission } from './admit.ts';
import type { ShardSpec } from '../sources/shard.ts';
import type { Source, SourceItem, SourceReadOptions } from '../sources/source.ts';

/** What decides which prompts a build samples (as the engine does): dedupe, shard, limit. */
export interface ScopeOptions {
  dedupe: boolean;
  maxPromptBytes: number;
  shard?: ShardSpec;
  limit?: number;
}

/** The prompts a build over `sources` would sample, in the engine's order: the engine's own admit stage. */
export async function* promptsInScope(sources: readonly Source[], opts: ScopeOptions): AsyncGenerator<Prompt> {
  for await (const unit of admit(sources, opts)) if (unit.kind === 'prompt') yield unit.prompt;
}

/** Where an import stopped: the first prompt in scope whose results are not all there yet. */
export interface PrefixState {
  stoppedAt: string | null;
  complete: number;
}

/**
 * Wrap the sources so they end just before the first in-scope prompt lacking a result (in-scope as the admit stage
 * decides): an import covers a prefix of the input, and a later import (with more result files) picks up exactly
 * where it stopped. Identity (describe, digest) is the wrapped sources'.
 */
export function resultsPrefix(sources: readonly Source[], opts: ScopeOptions, hasAllResults: (p: Prompt) => boolean): { sources: Source[]; state: PrefixState } {
  const admission = new Admission({ ...opts, limit: undefined });
  const state: PrefixState = { stoppedAt: null, complete: 0 };
  const wrap = (inner: Source): Source => ({
    name: inner.name,
    describe: () => inner.describe(),
    digest: () => inner.digest(),
    async *read(options?: SourceReadOptions): AsyncGenerator<SourceItem> {
      if (state.stoppedAt !== null) return;
      for await (const item of inner.read(options)) {
        const unit = admission.next(item, inner.name);
        if (unit?.kind === 'prompt') {
          if (opts.limit !== undefined && state.complete >= opts.limit) return;
          if (!hasAllResults(unit.prompt)) {
            state.stoppedAt = unit.prompt.id;
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
