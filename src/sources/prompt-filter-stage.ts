import type { Prompt } from '../../schemas/prompt.ts';
import type { QuarantineRecord } from '../../schemas/records.ts';
import { canonicalJson, sha256Hex } from '../../schemas/canonical-json.ts';
import type { Source, SourceItem, SourceReadOptions } from './source.ts';

/** What a filter decided for one prompt: keep it, or drop it with a reason and a JSON-able record of why. */
export type FilterDecision = { keep: true } | { keep: false; reason: string; detail: Record<string, unknown> };

/** Counters every filter stage keeps; the engine counts the quarantine items too. */
export interface FilterStats {
  /** Prompts that reached this stage. */
  seen: number;
  kept: number;
  dropped: number;
}

/** A source wrapped by a filter: still a Source, plus its counters (reset at each read). */
export interface FilteredSource extends Source {
  stats(): FilterStats;
}

export type Drop = Extract<FilterDecision, { keep: false }>;

/**
 * The first pass of a filter that decides ahead: it sees every prompt in reading order (1-based positions), may
 * work elsewhere (a worker thread), and gives the drops by position at the end.
 */
export interface DropPlanner {
  add(prompt: Prompt, position: number): void | Promise<void>;
  finish(): Promise<Map<number, Drop>>;
  /** Release what it holds when the pass stops early (the read failed or was abandoned). */
  abort(): Promise<void>;
}

interface FilterIdentity {
  /** Stage name, e.g. "near-dedupe"; recorded in the raw JSON of its quarantine rows. */
  readonly name: string;
  /** JSON-serialisable options (hashed into the pipeline config). */
  describe(): Record<string, unknown>;
  /** Extra input bytes the decision depends on (e.g. evaluation files), folded into the digest. */
  digest?(): Promise<string>;
}

/** A filter that decides as the prompts stream by. */
export interface StreamingPromptFilter extends FilterIdentity {
  /** A fresh decision function for one pass over the prompts (state such as an index lives inside it). */
  start(): Promise<(prompt: Prompt) => FilterDecision>;
}

/**
 * A filter that decides in a read of its own: the inputs are read once to decide every prompt, keeping only the
 * drops, and the decision state (an index that grows with the input) is gone before the prompts stream on, so the
 * build holds none of it while it samples, judges and writes. The inputs must read the same on both passes (files
 * do); a prompt id that differs between the passes fails the read.
 */
export interface PlannedPromptFilter extends FilterIdentity {
  plan(): Promise<DropPlanner>;
}

export type PromptFilter = StreamingPromptFilter | PlannedPromptFilter;

const RAW_CAP = 4096;

/** Prompts between two progress reports of a first pass. */
export const FIRST_PASS_REPORT_EVERY = 10_000;

/**
 * Wrap one or more sources with a prompt filter: their items are read in order (quarantine items pass through),
 * kept prompts pass on, and each dropped prompt becomes a quarantine item — never silently lost. The item keeps
 * the prompt's origin (`at`: file and line) when the source gave one; otherwise its file is `<stage>:<source>`
 * and its line the prompt's 1-based position in this stage's input, deterministic for deterministic sources,
 * so a resumed build recognises it as already recorded. The reason's first word (before ':') is the category.
 */
export function filterSources(filter: PromptFilter, inputs: Source | readonly Source[]): FilteredSource {
  const sources = Array.isArray(inputs) ? [...inputs] : [inputs as Source];
  if (sources.length === 0) throw new Error(`${filter.name}: give at least one source to filter`);
  let stats: FilterStats = { seen: 0, kept: 0, dropped: 0 };
  const name = sources.length === 1 ? sources[0].name : sources.map((s) => s.name).join('+');
  return {
    name,
    describe: () => ({ stage: filter.name, ...filter.describe(), inputs: sources.map((s) => s.describe()) }),
    async digest() {
      const parts = await Promise.all(sources.map((s) => s.digest()));
      if (filter.digest) parts.push(await filter.digest());
      return sources.length === 1 && !filter.digest ? parts[0] : sha256Hex(canonicalJson(parts));
    },
    stats: () => ({ ...stats }),
    // An upper bound of the prompts, as `count` promises; only when every input knows its own.
    ...(sources.every((s) => s.count) ? { count: async () => (await Promise.all(sources.map((s) => s.count!()))).reduce((a, b) => a + b, 0) } : {}),
    async *read(options?: SourceReadOptions): AsyncIterable<SourceItem> {
      stats = { seen: 0, kept: 0, dropped: 0 };
      const decide = 'plan' in filter ? await decidedAhead(filter, sources, options) : await filter.start();
      // Stopped during the first pass: nothing was decided, so nothing is given.
      if (!decide) return;
      for (const source of sources) {
        for await (const item of source.read(options)) {
          if (item.kind !== 'prompt') {
            yield item;
            continue;
          }
          stats.seen++;
          const d = decide(item.prompt, stats.seen);
          if (d.keep) {
            stats.kept++;
            yield item;
          } else {
            stats.dropped++;
            yield { kind: 'quarantine', record: dropRecord(filter.name, item, stats.seen, d.reason, d.detail) };
          }
        }
      }
    },
  };
}

/** Hash of a prompt id (FNV-1a, 32 bits): what the second pass checks it reads the prompts of the first. */
function idHash(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The first pass of a planned filter: every prompt handed to its planner, which keeps only the drops (by 1-based
 * position), plus a 4-byte hash of each prompt id so the second pass can tell that it reads the same prompts.
 * Null when the read's signal stopped it (a build interrupted during the pass stops at once, not after it).
 */
async function decidedAhead(filter: PlannedPromptFilter, sources: readonly Source[], options?: SourceReadOptions): Promise<((prompt: Prompt, position: number) => FilterDecision) | null> {
  let ids = new Uint32Array(1024);
  let seen = 0;
  const planner = await filter.plan();
  let drops: Map<number, Drop>;
  try {
    for (const source of sources) {
      for await (const item of source.read(options)) {
        if (item.kind !== 'prompt') continue;
        if (options?.signal?.aborted) {
          await planner.abort();
          return null;
        }
        if (seen === ids.length) {
          const grown = new Uint32Array(ids.length * 2);
          grown.set(ids);
          ids = grown;
        }
        ids[seen++] = idHash(item.prompt.id);
        await planner.add(item.prompt, seen);
        if (seen % FIRST_PASS_REPORT_EVERY === 0) options?.onFirstPass?.(filter.name, seen);
      }
    }
    drops = await planner.finish();
    options?.onFirstPass?.(filter.name, seen);
  } catch (e) {
    await planner.abort();
    throw e;
  }
  const keep: FilterDecision = { keep: true };
  return (prompt, position) => {
    if (position > seen || ids[position - 1] !== idHash(prompt.id)) {
      throw new Error(`${filter.name}: prompt ${position} ("${prompt.id}") is not the prompt the first pass read at that position: the input changed while it was read; rerun the build on inputs that do not change under it`);
    }
    const d = drops.get(position);
    if (d) drops.delete(position);
    return d ?? keep;
  };
}

function dropRecord(stage: string, item: Extract<SourceItem, { kind: 'prompt' }>, position: number, reason: string, detail: Record<string, unknown>): QuarantineRecord {
  const { prompt, at } = item;
  let raw = JSON.stringify({ id: prompt.id, source: prompt.source, domain: prompt.domain, stage, ...detail, messages: prompt.messages });
  if (raw.length > RAW_CAP) raw = raw.slice(0, RAW_CAP);
  return at ? { file: at.file, line: at.line, reason, raw } : { file: `${stage}:${prompt.source}`, line: position, reason, raw };
}

/** The text a prompt filter compares: the user turns (a shared system prompt would make every pair look alike). */
export function userText(prompt: Prompt): string {
  const users = prompt.messages.filter((m) => m.role === 'user').map((m) => m.content);
  return (users.length ? users : prompt.messages.map((m) => m.content)).join('\n');
}
