import type { Prompt } from '../../schemas/prompt.ts';
import type { QuarantineRecord } from '../../schemas/records.ts';
import { ExactDedupe } from '../sources/exact-dedupe.ts';
import { quarantineItem } from '../sources/quarantine.ts';
import { inShard, type ShardSpec } from '../sources/shard.ts';
import type { Source, SourceItem } from '../sources/source.ts';

/**
 * Stage 1 of a build: which source items the build works on. Reads the sources in order and numbers every item
 * (its ordinal, the position a commit records as consumed); quarantined rows, exact duplicates, reused ids, other
 * shards, the limit, prompts already committed (by id) and domains whose quota is met are decided here.
 */

/** A source item on its way to the sampler, numbered in reading order. */
export type Unit = { ordinal: number } & ({ kind: 'prompt'; prompt: Prompt } | { kind: 'quarantine'; record: QuarantineRecord } | { kind: 'duplicate' } | { kind: 'quota' });

/** What a build already holds (a resumed build): committed prompt ids and quarantined rows ("file:line"). */
export interface AdmitDone {
  promptIds: { has(id: string): boolean };
  quarantine: { has(where: string): boolean };
}

export interface AdmitOptions {
  /** Drop exact duplicates of an earlier prompt's text (pipeline.dedupe). */
  dedupe: boolean;
  shard?: ShardSpec;
  /** Prompts in scope (after dedupe and shard) the build covers, counted from the start of the inputs. */
  limit?: number;
  done?: AdmitDone;
  /**
   * Duplicates and quota skips before this ordinal are already counted by the committed stats: not told again.
   * 0 when the inputs changed since the last commit (positions then mean nothing).
   */
  resumeFrom?: number;
  /** Whether a domain's quota is already met by the rows committed so far (checked as each prompt is read). */
  quotaMet?: (domain: string) => boolean;
  /** A committed prompt met again in the inputs (to tell how many committed prompts are gone from them). */
  onDone?: (id: string) => void;
}

const NOTHING_DONE: AdmitDone = { promptIds: { has: () => false }, quarantine: { has: () => false } };

/**
 * The per-item decision, for callers that read the sources themselves (batch import's result prefix). Dedupe runs
 * over every prompt before the shard filter, so each shard drops the same duplicates an unsharded build does.
 */
export class Admission {
  private readonly dedupe: ExactDedupe;
  private inScope = 0;
  private ordinal = 0;
  /** True once the limit is reached: no later item is admitted. */
  ended = false;

  constructor(private readonly opts: AdmitOptions) {
    this.dedupe = new ExactDedupe(opts.dedupe);
  }

  /** The unit for the next item read from `source`, or null when it is not the build's to tell (other shard, done). */
  next(item: SourceItem, source: string): Unit | null {
    if (this.ended) return null;
    const { shard, limit, quotaMet } = this.opts;
    const done = this.opts.done ?? NOTHING_DONE;
    const resumeFrom = this.opts.resumeFrom ?? 0;
    const o = this.ordinal++;
    if (item.kind === 'quarantine') {
      const where = `${item.record.file}:${item.record.line}`;
      return inShard(where, shard) && !done.quarantine.has(where) ? { ordinal: o, kind: 'quarantine', record: item.record } : null;
    }
    const p = item.prompt;
    const seen = this.dedupe.check(p);
    if (!inShard(p.id, shard)) return null;
    if (seen === 'duplicate') return o >= resumeFrom ? { ordinal: o, kind: 'duplicate' } : null;
    if (seen === 'duplicate-id') {
      const at = item.at ?? { file: source, line: 0 };
      const q = quarantineItem(at.file, at.line, 'duplicate-id', `prompt id "${p.id}" was already used by a different prompt`, JSON.stringify(p).slice(0, 2048));
      return q.kind === 'quarantine' && !done.quarantine.has(`${at.file}:${at.line}`) ? { ordinal: o, kind: 'quarantine', record: q.record } : null;
    }
    if (limit !== undefined && ++this.inScope > limit) {
      this.ended = true;
      return null;
    }
    // Resume by prompt id, never by position: an edited input (lines added, removed, moved) loses nothing.
    if (done.promptIds.has(p.id)) {
      this.opts.onDone?.(p.id);
      return null;
    }
    // Domain quota met by the committed-order count: every later prompt of the domain is skipped too.
    if (quotaMet?.(p.domain)) return o >= resumeFrom ? { ordinal: o, kind: 'quota' } : null;
    return { ordinal: o, kind: 'prompt', prompt: p };
  }
}

/** The units of a build over `sources`, in reading order; ends at the limit or when `signal` aborts. */
export async function* admit(
  sources: readonly Source[],
  opts: AdmitOptions & { maxPromptBytes: number; signal?: AbortSignal; onFirstPass?: (stage: string, promptsRead: number) => void },
): AsyncGenerator<Unit> {
  const admission = new Admission(opts);
  for (const source of sources) {
    for await (const item of source.read({ maxPromptBytes: opts.maxPromptBytes, signal: opts.signal, onFirstPass: opts.onFirstPass })) {
      if (opts.signal?.aborted) return;
      const unit = admission.next(item, source.name);
      if (admission.ended) return;
      if (unit) yield unit;
    }
  }
}
