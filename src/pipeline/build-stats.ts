import type { Verdict } from '../../schemas/verdict.ts';
import type { PromptRows } from '../select/rows.ts';
import type { ReuseCounts } from './reuse.ts';
import { quarantineCategory } from '../sources/quarantine.ts';

/**
 * The build's one ledger: cumulative counters, stored with every commit (so a resumed build continues counting)
 * and the base of the final report, the progress line and the run summary (the dataset card and the HTML report
 * take their figures from DuckDB over the shards, src/sinks/build-figures.ts). Changed only by `tally`, one typed
 * event at a time. Plain JSON types (type aliases, so a value is a Record<string, unknown> for the store as is).
 */

/** Verdict counts of one judge; `reasons` is bounded (see MAX_REASONS). */
export type JudgeStats = {
  pass: number;
  fail: number;
  error: number;
  reasons: Record<string, number>;
};

/** `consumed` is the number of source items, in reading order, whose outcome is committed. */
export type BuildStats = {
  consumed: number;
  prompts: number;
  samples: number;
  sampleErrors: number;
  accepted: number;
  /** Prompts with at least one sample in sft/. */
  promptsKept: number;
  rows: { sft: number; distill: number; samples: number; prefs: number; quarantine: number };
  domains: Record<string, { prompts: number; samples: number; accepted: number; sft: number }>;
  judges: Record<string, JudgeStats>;
  quarantine: Record<string, number>;
  duplicates: number;
  /** Prompts not written because their domain's quota was already met. */
  quotaSkipped: number;
  /** Ids of prompts whose samples failed on backend errors and that are not done yet: the next run samples them. */
  backendPending: string[];
  /** Prompts sampled again after their samples failed on backend errors (in the same run or a later one). */
  resampled: number;
  /** Seconds spent building, over all runs of this build. */
  seconds: number;
};

/** What changes the counters: one outcome taken into a commit, in reading order. */
export type StatsEvent =
  /** A prompt's rows as committed (after its quota trim); `resampled` when its samples had failed on the backend before. */
  | { kind: 'prompt'; domain: string; rows: PromptRows; verdicts: readonly (readonly Verdict[])[]; resampled: boolean }
  | { kind: 'quarantine'; reason: string }
  | { kind: 'duplicate' }
  /** A prompt not written because its domain's quota was met. */
  | { kind: 'quota' }
  /** Items through this ordinal are taken; these prompts still wait on the backend. */
  | { kind: 'consumed'; through: number; backendPending: Iterable<string> };

/** Apply one event to the counters, in place. */
export function tally(stats: BuildStats, e: StatsEvent): void {
  switch (e.kind) {
    case 'prompt':
      countPrompt(stats, e.domain, e.rows, e.verdicts);
      if (e.resampled) stats.resampled++;
      return;
    case 'quarantine': {
      const c = quarantineCategory(e.reason);
      stats.quarantine[c] = (stats.quarantine[c] ?? 0) + 1;
      stats.rows.quarantine++;
      return;
    }
    case 'duplicate':
      stats.duplicates++;
      return;
    case 'quota':
      stats.quotaSkipped++;
      return;
    case 'consumed':
      stats.consumed = e.through;
      stats.backendPending = [...e.backendPending];
      return;
  }
}

/** Distinct reasons kept per judge; further reasons count under OTHER_REASONS (judges with free-text reasons). */
export const MAX_REASONS = 200;
export const OTHER_REASONS = '(other reasons)';

export function emptyStats(): BuildStats {
  return { consumed: 0, prompts: 0, samples: 0, sampleErrors: 0, accepted: 0, promptsKept: 0, rows: { sft: 0, distill: 0, samples: 0, prefs: 0, quarantine: 0 }, domains: {}, judges: {}, quarantine: {}, duplicates: 0, quotaSkipped: 0, backendPending: [], resampled: 0, seconds: 0 };
}

/** Stats recorded by the last commit, over the defaults (a resumed build continues from them). */
export function statsFrom(saved: Record<string, unknown> | null): BuildStats {
  const base = emptyStats();
  if (!saved) return base;
  const s = saved as Partial<BuildStats>;
  return { ...base, ...s, rows: { ...base.rows, ...(s.rows ?? {}) }, domains: structuredClone(s.domains ?? {}), judges: structuredClone(s.judges ?? {}), quarantine: { ...(s.quarantine ?? {}) }, backendPending: [...(s.backendPending ?? [])] };
}

/** The key a verdict reason counts under: an engine-caught judge crash counts by its message, not per prompt. */
function reasonKey(v: Verdict): string {
  const d = v.detail as { judgeThrew?: string } | null;
  return d?.judgeThrew !== undefined ? `judge threw: ${d.judgeThrew}` : v.reason;
}

function countVerdict(stats: BuildStats, v: Verdict): void {
  const j = (stats.judges[v.judge] ??= { pass: 0, fail: 0, error: 0, reasons: {} });
  j[v.verdict]++;
  if (v.verdict === 'pass') return;
  const key = reasonKey(v);
  if (key in j.reasons) j.reasons[key]++;
  else if (reasonCount(j.reasons) < MAX_REASONS) {
    j.reasons[key] = 1;
    reasonCounts.set(j.reasons, reasonCount(j.reasons) + 1);
  } else j.reasons[OTHER_REASONS] = (j.reasons[OTHER_REASONS] ?? 0) + 1;
}

// Keys in each reasons table: Object.keys() on every new reason (most failures of a long build) was a hot spot.
const reasonCounts = new WeakMap<Record<string, number>, number>();

function reasonCount(reasons: Record<string, number>): number {
  let n = reasonCounts.get(reasons);
  if (n === undefined) reasonCounts.set(reasons, (n = Object.keys(reasons).length));
  return n;
}

/** Count one prompt's outcome. */
function countPrompt(stats: BuildStats, domain: string, rows: PromptRows, verdicts: readonly (readonly Verdict[])[]): void {
  const d = (stats.domains[domain] ??= { prompts: 0, samples: 0, accepted: 0, sft: 0 });
  const accepted = rows.samples.filter((r) => r.accepted).length;
  stats.prompts++;
  stats.samples += rows.samples.length;
  stats.sampleErrors += rows.samples.filter((r) => r.finish_reason === 'error').length;
  stats.accepted += accepted;
  if (rows.sft.length > 0) stats.promptsKept++;
  stats.rows.sft += rows.sft.length;
  stats.rows.distill += rows.distill.length;
  stats.rows.samples += rows.samples.length;
  stats.rows.prefs += rows.prefs.length;
  d.prompts++;
  d.samples += rows.samples.length;
  d.accepted += accepted;
  d.sft += rows.sft.length;
  for (const vs of verdicts) for (const v of vs) countVerdict(stats, v);
}

/** The final report of a run: cumulative counts, acceptance, top reasons, and this run's speed. */
export type BuildReport = {
  pipeline: string;
  out: string;
  configHash: string;
  /** true when the run stopped early (Ctrl-C / SIGTERM / abort): what was done is committed; run again to resume. */
  interrupted: boolean;
  /** Commits found when this run started (0 for a fresh build). */
  resumedFromCommits: number;
  totals: BuildStats;
  acceptance: number;
  perDomain: Record<string, { prompts: number; samples: number; accepted: number; acceptance: number; sft: number }>;
  topReasons: Record<string, { pass: number; fail: number; error: number; top: { reason: string; count: number }[] }>;
  quarantined: number;
  run: { prompts: number; samples: number; seconds: number; samplesPerSecond: number };
  /** The backend's own counters for this run (requests, retries, tokens, cost), when it keeps them. */
  backend?: Record<string, unknown>;
  /** Outages this run met, what stopped it (null: not the backend), prompts still waiting on the backend. */
  backendHealth?: { stoppedBy: string | null; outages: number; outageSeconds: number; pendingPrompts: number; resampledPrompts: number };
  /** Set when the run resumed over changed inputs (--allow-input-change); removedPrompts null when not all was read. */
  inputChanges?: { inputs: { name: string; was: string | null; now: string | null }[]; removedPrompts: number | null };
  /** An incremental build (reuse of a previous build): what it reused, generated and re-judged. */
  incremental?: ReuseCounts;
};

export function buildReport(args: { pipeline: string; out: string; configHash: string; interrupted: boolean; resumedFromCommits: number; stats: BuildStats; start: BuildStats; runSeconds: number; topN?: number }): BuildReport {
  const { stats, start, runSeconds } = args;
  const topN = args.topN ?? 5;
  const rate = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0);
  const runSamples = stats.samples - start.samples;
  return {
    pipeline: args.pipeline,
    out: args.out,
    configHash: args.configHash,
    interrupted: args.interrupted,
    resumedFromCommits: args.resumedFromCommits,
    totals: stats,
    acceptance: rate(stats.accepted, stats.samples),
    perDomain: Object.fromEntries(Object.entries(stats.domains).map(([k, d]) => [k, { ...d, acceptance: rate(d.accepted, d.samples) }])),
    topReasons: Object.fromEntries(
      Object.entries(stats.judges).map(([k, j]) => [
        k,
        { pass: j.pass, fail: j.fail, error: j.error, top: Object.entries(j.reasons).sort((a, b) => b[1] - a[1]).slice(0, topN).map(([reason, count]) => ({ reason, count })) },
      ]),
    ),
    quarantined: stats.rows.quarantine,
    run: { prompts: stats.prompts - start.prompts, samples: runSamples, seconds: Math.round(runSeconds * 1000) / 1000, samplesPerSecond: runSeconds > 0 ? Math.round(runSamples / runSeconds) : 0 },
  };
}
