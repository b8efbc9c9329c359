import type { ChunkRows } from './build-store.ts';

/**
 * The figures a dataset card shows, accumulated from the rows of each commit. Plain JSON, cumulative, stored with
 * every commit's stats (so a resumed build continues its counts) and in the final report.
 */
export interface CardStats {
  /** Per domain and per source: prompts with samples, samples, accepted samples, selected (sft) rows. */
  byDomain: Record<string, GroupCounts>;
  bySource: Record<string, GroupCounts>;
  /** Completion-token histograms (bucket upper bounds in TOKEN_BUCKETS) for every sample and for selected ones. */
  tokens: { all: number[]; selected: number[]; sumAll: number; sumSelected: number };
  /** Prompts by pass rate: [0], (0, .25], (.25, .5], (.5, .75], (.75, 1), [1]. */
  passRate: number[];
  /** Verdict counts per judge. */
  judges: Record<string, { pass: number; fail: number; error: number }>;
  /** Pairwise agreement between judges on samples both decided (pass/fail): "a|b" → { both, agree }. */
  agreement: Record<string, { both: number; agree: number }>;
  /** Recorded rule-vs-generative disagreement labels and their counts. */
  disagreements: Record<string, number>;
  /** Rows per corpus and quarantine reason categories. */
  rows: { sft: number; distill: number; samples: number; prefs: number; quarantine: number };
  quarantine: Record<string, number>;
}

export interface GroupCounts {
  prompts: number;
  samples: number;
  accepted: number;
  selected: number;
}

/** Upper bounds (exclusive) of the token-length buckets; the last bucket is open. */
export const TOKEN_BUCKETS = [128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, Infinity] as const;
export const PASS_RATE_BUCKETS = ['0', '(0, 0.25]', '(0.25, 0.5]', '(0.5, 0.75]', '(0.75, 1)', '1'] as const;

export function emptyCardStats(): CardStats {
  return {
    byDomain: {},
    bySource: {},
    tokens: { all: TOKEN_BUCKETS.map(() => 0), selected: TOKEN_BUCKETS.map(() => 0), sumAll: 0, sumSelected: 0 },
    passRate: PASS_RATE_BUCKETS.map(() => 0),
    judges: {},
    agreement: {},
    disagreements: {},
    rows: { sft: 0, distill: 0, samples: 0, prefs: 0, quarantine: 0 },
    quarantine: {},
  };
}

/** Restore from a stored value (a resumed build), falling back to empty when absent or of another shape. */
export function cardStatsFrom(value: unknown): CardStats {
  const empty = emptyCardStats();
  if (!value || typeof value !== 'object') return empty;
  const v = value as Partial<CardStats>;
  if (!v.tokens || !Array.isArray(v.tokens.all) || v.tokens.all.length !== TOKEN_BUCKETS.length) return empty;
  return { ...empty, ...structuredClone(v) } as CardStats;
}

function bucketOf(tokens: number): number {
  return TOKEN_BUCKETS.findIndex((b) => tokens < b);
}

function passRateBucket(r: number): number {
  if (r <= 0) return 0;
  if (r >= 1) return 5;
  return r <= 0.25 ? 1 : r <= 0.5 ? 2 : r <= 0.75 ? 3 : 4;
}

function group(map: Record<string, GroupCounts>, key: string): GroupCounts {
  return (map[key] ??= { prompts: 0, samples: 0, accepted: 0, selected: 0 });
}

/** Add one commit's rows (whole prompts) to the stats, in place. */
export function addChunk(stats: CardStats, rows: ChunkRows): CardStats {
  const promptsSeen = new Set<string>();
  for (const s of rows.samples) {
    const groups = [group(stats.byDomain, s.domain), group(stats.bySource, s.source)];
    const firstOfPrompt = !promptsSeen.has(s.prompt_id);
    if (firstOfPrompt) {
      promptsSeen.add(s.prompt_id);
      stats.passRate[passRateBucket(s.pass_rate)]++;
    }
    for (const g of groups) {
      if (firstOfPrompt) g.prompts++;
      g.samples++;
      if (s.accepted) g.accepted++;
      if (s.selected) g.selected++;
    }
    const b = bucketOf(s.completion_tokens);
    stats.tokens.all[b]++;
    stats.tokens.sumAll += s.completion_tokens;
    if (s.selected) {
      stats.tokens.selected[b]++;
      stats.tokens.sumSelected += s.completion_tokens;
    }
    const decided: [string, boolean][] = [];
    for (const v of s.verdicts) {
      const j = (stats.judges[v.judge] ??= { pass: 0, fail: 0, error: 0 });
      if (v.verdict === 'pass' || v.verdict === 'fail' || v.verdict === 'error') j[v.verdict]++;
      if (v.verdict === 'pass' || v.verdict === 'fail') decided.push([v.judge, v.verdict === 'pass']);
    }
    for (let i = 0; i < decided.length; i++) {
      for (let k = i + 1; k < decided.length; k++) {
        const [a, b2] = [decided[i], decided[k]].sort((x, y) => (x[0] < y[0] ? -1 : 1));
        const pair = (stats.agreement[`${a[0]}|${b2[0]}`] ??= { both: 0, agree: 0 });
        pair.both++;
        if (a[1] === b2[1]) pair.agree++;
      }
    }
    if (s.disagreement) stats.disagreements[s.disagreement] = (stats.disagreements[s.disagreement] ?? 0) + 1;
  }
  stats.rows.sft += rows.sft.length;
  stats.rows.distill += rows.distill.length;
  stats.rows.samples += rows.samples.length;
  stats.rows.prefs += rows.prefs.length;
  stats.rows.quarantine += rows.quarantine.length;
  for (const q of rows.quarantine) {
    const i = q.reason.indexOf(':');
    const cat = i > 0 ? q.reason.slice(0, i) : q.reason;
    stats.quarantine[cat] = (stats.quarantine[cat] ?? 0) + 1;
  }
  return stats;
}

/** Approximate percentile of the token histogram: the upper bound of the bucket holding it. */
export function histogramPercentile(hist: readonly number[], p: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i];
    if (acc >= p * total) return TOKEN_BUCKETS[i];
  }
  return TOKEN_BUCKETS[TOKEN_BUCKETS.length - 1];
}
