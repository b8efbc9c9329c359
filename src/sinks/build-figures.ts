import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { verifyShards, type ShardCheckMethod, type ShardChecks } from './inspect-build.ts';
import { readManifest, type Manifest, type ShardKind } from './manifest.ts';
import { buildSources, corpusCounts, num, rows, sqlString, withDuckDB, type CorpusCount } from './build-sql.ts';

/**
 * The figures of a build, for the dataset card and `distillery report`: every number is a DuckDB aggregate over the
 * shards the manifest lists (never a corpus loaded in memory), so a report of an 800k-example build stays small and
 * the figures are those a user gets by querying the shards. Binned distributions and a few sampled examples only.
 */
export interface BuildFigures {
  dir: string;
  pipeline: string;
  configHash: string;
  codeVersion: string;
  commits: number;
  finished: boolean;
  createdAt: string;
  updatedAt: string;
  corpora: CorpusCount[];
  totals: { prompts: number; samples: number; accepted: number; selected: number; backendErrors: number; verdicts: number; judgeErrors: number };
  health: Health;
  byDomain: GroupFigures[];
  bySource: GroupFigures[];
  byJudge: { judge: string; pass: number; fail: number; error: number }[];
  /** Failed verdicts grouped by category (the verdict's own `category` when the shards have one, else its normalised reason). */
  rejections: { judge: string; category: string; count: number; example: string }[];
  /** How rejection categories were found: a `category` column in the verdicts, or reasons with numbers and quotes normalised away. */
  rejectionGrouping: 'category' | 'normalised-reason';
  /** Prompts per pass-rate bin, per domain (PASS_RATE_BINS). */
  passRate: { domain: string; bin: number; prompts: number }[];
  /** Completion tokens of accepted vs rejected samples: equal-width bins up to about the 99.5th percentile, the last one open. */
  lengths: { binWidth: number; bins: { lo: number; hi: number | null; accepted: number; rejected: number }[]; percentiles: LengthPercentiles[] };
  /** Only between a generative judge in correctness mode and the rule judge(s) answering the same question. */
  agreement: { rule: string; generative: string; both: number; agree: number; ruleFailGenerativePass: number; rulePassGenerativeFail: number }[];
  /** Samples drawn per prompt (target-driven sampling draws until a prompt is decided): prompts per count, split by whether the prompt gave a selected row. */
  samplesPerPrompt: { samples: number; withSelected: number; withoutSelected: number }[];
  /** Per commit, from the samples shards it wrote; `at` is the shard files' modification time (the commit's write). */
  timeline: { commit: number; at: string | null; prompts: number; samples: number; accepted: number }[];
  /** Excluded input: quarantine categories and exact duplicates dropped (counted by the engine, never written). */
  excluded: { reason: string; rows: number }[];
  /** A few prompts with mixed outcomes, their samples side by side (texts clipped). */
  examples: ExamplePrompt[];
  /** One row of each corpus (the smallest id), long texts clipped: what a row looks like. */
  exampleRows: { corpus: ShardKind; row: Record<string, unknown> }[];
}

export interface GroupFigures {
  name: string;
  prompts: number;
  samples: number;
  accepted: number;
  selected: number;
}

export interface LengthPercentiles {
  set: 'accepted' | 'rejected' | 'selected';
  samples: number;
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface ExamplePrompt {
  promptId: string;
  domain: string;
  prompt: string;
  reference: string | null;
  passRate: number;
  samples: { index: number; accepted: boolean; selected: boolean; completionTokens: number; finishReason: string; reasoning: string; answer: string; verdicts: { judge: string; verdict: string; reason: string; category: string | null }[] }[];
}

export interface Health {
  level: 'good' | 'warning' | 'bad';
  /** One line: the verdict and the figures behind it. */
  line: string;
  problems: string[];
  backendErrors: number;
  judgeErrors: number;
  quarantined: number;
  nearDuplicates: number;
  duplicatesDropped: number;
  checksums: ShardChecks;
  rowCountMismatches: string[];
}

/** Pass-rate bins: exactly 0, ten (lo, hi] steps, exactly 1 (the prompts that teach nothing at either end). */
export const PASS_RATE_BINS = ['0', '(0, 0.1]', '(0.1, 0.2]', '(0.2, 0.3]', '(0.3, 0.4]', '(0.4, 0.5]', '(0.5, 0.6]', '(0.6, 0.7]', '(0.7, 0.8]', '(0.8, 0.9]', '(0.9, 1)', '1'] as const;

/** Judges that decide whether an answer is right (the question a generative correctness judge also answers). */
const CORRECTNESS_RULE_JUDGES = new Set(['math', 'code', 'answer', 'exact', 'exact-answer', 'majority']);
/** Above these shares the health line warns: a build with more undecided samples than this needs a look. */
const WARN_BACKEND_ERRORS = 0.01;
const WARN_JUDGE_ERRORS = 0.01;
const LENGTH_BINS = 40;
const EXAMPLE_PROMPTS = 6;
/** Accepted and rejected samples shown per example prompt (each side). */
const SAMPLES_PER_SIDE = 2;
const CLIP = { prompt: 1200, reasoning: 900, answer: 400, reason: 300, cell: 240 } as const;

const clip = (s: string | null, n: number) => (s === null ? null : s.length > n ? `${s.slice(0, n)}… [${(s.length - n).toLocaleString('en-US')} more characters]` : s);

/** A round bin width (1, 2 or 5 × 10^n) giving about `bins` bins up to `top`. */
export function niceBinWidth(top: number, bins: number): number {
  const raw = Math.max(1, top / bins);
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** SQL: a rejection reason with its numbers and quoted parts normalised away, so "16 ≠ 14" and "29 ≠ 19" group. */
const QUOTED = String.raw`"[^"]*"|''[^'']*''|` + '`[^`]*`';
export const NORMALISED_REASON_SQL = (col: string) =>
  `left(trim(regexp_replace(regexp_replace(regexp_replace(${col}, '${QUOTED}', '"…"', 'g'), '[-+]?[0-9]+([.,/][0-9]+)*', 'N', 'g'), '\\s+', ' ', 'g')), 120)`;

export interface FigureOptions {
  /** Prompts in the examples view (default 6). */
  examples?: number;
  /**
   * DuckDB memory limit (default 128MB: the report must stay under 1 GiB at 800k examples, and at the end of a build
   * the card's figures share the process with the engine. Measured at 800k, with one instance for all queries, the
   * figures alone in a process: 512MB 1,018 MB RSS; 256MB 725–747 MB; 128MB 593–641 MB, in the same 36–51 s.
   * DuckDB spills past it to a temp dir.)
   */
  memoryLimit?: string;
  /** DuckDB threads (default: DuckDB's). */
  threads?: number;
  /** How the shards are checked against the manifest (default sha256; a build's own end uses size: see ShardCheckMethod). */
  shardCheck?: ShardCheckMethod;
}

/** Compute the figures of a build directory (read-only; the manifest says which shards are the build). */
export async function buildFigures(dir: string, manifest?: Manifest, opts: FigureOptions = {}): Promise<BuildFigures> {
  const m = manifest ?? (await readManifest(dir));
  if (!m) throw new Error(`${dir}: no manifest.json; is this a distillery build directory (the --out of distillery run)?`);
  const src = buildSources(dir, m);
  const { has } = src;
  const source = src.parquet;

  // Spills (a large GROUP BY past the memory limit) go to a temp dir of our own, removed after, not ./.tmp.
  const spill = await mkdtemp(join(tmpdir(), 'distillery-figures-'));
  const session = duckdbSessions(spill, opts);
  try {
    const { corpora, excluded } = await session(async (con) => {
      const corpora = await corpusCounts(con, m, src);
      const excluded: BuildFigures['excluded'] = [];
      if (has('quarantine')) {
        const q = await rows<{ reason: string; n: bigint }>(con, `SELECT split_part(reason, ':', 1) AS reason, count(*) AS n FROM ${src.quarantine()} GROUP BY 1 ORDER BY n DESC, reason`);
        for (const r of q) excluded.push({ reason: r.reason, rows: num(r.n) });
      }
      return { corpora, excluded };
    });
    const duplicatesDropped = duplicatesOf(m);
    if (duplicatesDropped > 0) excluded.push({ reason: 'exact duplicate (dropped, not written)', rows: duplicatesDropped });

    const f: Omit<BuildFigures, 'health'> = {
      dir,
      pipeline: m.pipeline,
      configHash: m.configHash,
      codeVersion: m.codeVersion,
      commits: m.commits,
      finished: m.finished,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      corpora,
      totals: { prompts: 0, samples: 0, accepted: 0, selected: 0, backendErrors: 0, verdicts: 0, judgeErrors: 0 },
      byDomain: [],
      bySource: [],
      byJudge: [],
      rejections: [],
      rejectionGrouping: 'normalised-reason',
      passRate: [],
      lengths: { binWidth: 1, bins: [], percentiles: [] },
      agreement: [],
      samplesPerPrompt: [],
      timeline: [],
      excluded,
      examples: [],
      exampleRows: [],
    };
    if (has('samples')) await sampleFigures(session, f, source('samples'), source('samples', ', filename = true'), m, opts);
    await session(async (con) => {
      for (const corpus of ['sft', 'distill', 'samples', 'prefs'] as const) {
        if (!has(corpus)) continue;
        // The row with the smallest id: the same row whatever the shard order (a merged build shows the unsharded one's).
        const id = corpus === 'samples' ? 'key' : 'id';
        const [row] = await rows<Record<string, unknown>>(con, `SELECT * FROM ${source(corpus)} WHERE ${id} = (SELECT min(${id}) FROM ${source(corpus)}) LIMIT 1`);
        if (row) f.exampleRows.push({ corpus, row: clipValue(row) as Record<string, unknown> });
      }
    });
    const checksums = await verifyShards(dir, m, opts.shardCheck);
    return { ...f, health: healthOf(f, checksums, duplicatesDropped) };
  } finally {
    await rm(spill, { recursive: true, force: true });
  }
}

/** Runs a group of queries on a DuckDB instance of its own, closed after the group. */
type Session = <T>(queries: (con: DuckDBConnection) => Promise<T>) => Promise<T>;

/**
 * DuckDB instances for the figures, one per group of queries. Why not one for all: DuckDB keeps what its queries
 * allocated until the instance closes, so RSS climbed query by query (measured at 100k: +150 MB over the figures);
 * closing between groups gives it back, and the peak is that of the largest group. Why no external file cache:
 * it keeps the Parquet bytes it read, up to the memory limit, and the figures read each column once or twice
 * (measured at 100k: the peak 80 MB lower, no slower). Both together, at 800k: 378–410 MB instead of 624–641.
 */
function duckdbSessions(spill: string, opts: FigureOptions): Session {
  const config = { memory_limit: opts.memoryLimit ?? '128MB', temp_directory: spill, enable_external_file_cache: 'false', ...(opts.threads ? { threads: String(opts.threads) } : {}) };
  return (queries) => withDuckDB(config, queries);
}

/** Exact duplicates are dropped by the engine before sampling and only counted in its stats. */
function duplicatesOf(m: Manifest): number {
  const from = (o: unknown): number | null => {
    if (!o || typeof o !== 'object') return null;
    const r = o as Record<string, unknown>;
    if (typeof r.duplicates === 'number') return r.duplicates;
    return from(r.totals);
  };
  return from(m.report) ?? from(m.stats) ?? 0;
}

async function sampleFigures(session: Session, f: Omit<BuildFigures, 'health'>, S: string, withFilename: string, m: Manifest, opts: FigureOptions): Promise<void> {
  // A view of the narrow columns: each query reads only the columns it needs from the shards (a table of 3.4M
  // samples would hold ~300 MB); the commit comes from the shard's name, only where asked for.
  const narrowView = (con: DuckDBConnection) =>
    con.run(`CREATE TEMP VIEW s AS SELECT prompt_id, domain, source, accepted, selected, pass_rate, completion_tokens, error IS NOT NULL OR finish_reason = 'error' AS backend_error, CAST(regexp_extract(filename, '-c([0-9]+)\\.parquet$', 1) AS INTEGER) AS commit_no FROM ${withFilename}`);
  const hasCategory = await session(async (con) => {
    await narrowView(con);
    const columns = await rows<{ column_type: string }>(con, `DESCRIBE SELECT verdicts FROM ${S}`);
    await totalsAndTimeline(con, f, m);
    return /\bcategory\b/.test(columns[0]?.column_type ?? '');
  });
  f.rejectionGrouping = hasCategory ? 'category' : 'normalised-reason';
  await session((con) => verdictFigures(con, f, S, m, hasCategory));
  await session(async (con) => {
    await narrowView(con);
    await lengthFigures(con, f);
  });
  await session(async (con) => {
    await narrowView(con);
    await promptFigures(con, f, S, opts, hasCategory);
  });
}

/** Totals, per domain and source, per commit: one row per sample, from the view `s`. */
async function totalsAndTimeline(con: DuckDBConnection, f: Omit<BuildFigures, 'health'>, m: Manifest): Promise<void> {
  const [t] = await rows<Record<string, bigint>>(con, `SELECT count(DISTINCT prompt_id) AS prompts, count(*) AS samples, count(*) FILTER (WHERE accepted) AS accepted, count(*) FILTER (WHERE selected) AS selected, count(*) FILTER (WHERE backend_error) AS backend_errors FROM s`);
  f.totals.prompts = num(t.prompts);
  f.totals.samples = num(t.samples);
  f.totals.accepted = num(t.accepted);
  f.totals.selected = num(t.selected);
  f.totals.backendErrors = num(t.backend_errors);

  const group = async (col: string) =>
    (await rows<Record<string, unknown>>(con, `SELECT ${col} AS name, count(DISTINCT prompt_id) AS prompts, count(*) AS samples, count(*) FILTER (WHERE accepted) AS accepted, count(*) FILTER (WHERE selected) AS selected FROM s GROUP BY 1 ORDER BY samples DESC, name`)).map((r) => ({
      name: String(r.name),
      prompts: num(r.prompts),
      samples: num(r.samples),
      accepted: num(r.accepted),
      selected: num(r.selected),
    }));
  f.byDomain = await group('domain');
  f.bySource = await group('source');

  // Timeline: the commit is in each shard's name (part-NNNNN-cCCCCCC); its time is when the shard was written.
  const perCommit = await rows<Record<string, unknown>>(con, `SELECT commit_no AS c, count(DISTINCT prompt_id) AS prompts, count(*) AS samples, count(*) FILTER (WHERE accepted) AS accepted FROM s GROUP BY c ORDER BY c`);
  const times = new Map<number, number>();
  for (const sh of m.shards) {
    const t = await stat(join(f.dir, sh.path)).then((x) => x.mtimeMs, () => null);
    if (t !== null) times.set(sh.commit, Math.max(times.get(sh.commit) ?? 0, t));
  }
  f.timeline = perCommit.map((r) => {
    const c = num(r.c);
    const at = times.get(c);
    return { commit: c, at: at === undefined ? null : new Date(at).toISOString(), prompts: num(r.prompts), samples: num(r.samples), accepted: num(r.accepted) };
  });
}

/** Per judge, the rejection categories, and agreement: from the samples' verdict lists. */
async function verdictFigures(con: DuckDBConnection, f: Omit<BuildFigures, 'health'>, S: string, m: Manifest, hasCategory: boolean): Promise<void> {
  // Verdicts: one pass, aggregated as it goes (judge × verdict × category of failures), the category (or the
  // normalised reason) computed for failed verdicts only.
  const category = hasCategory ? `coalesce(v.category, ${NORMALISED_REASON_SQL('v.reason')})` : NORMALISED_REASON_SQL('v.reason');
  await con.run(
    `CREATE TEMP TABLE v AS SELECT v.judge AS judge, v.verdict AS verdict, CASE WHEN v.verdict = 'fail' THEN ${category} END AS category, count(*) AS n, min(v.reason) FILTER (WHERE v.verdict = 'fail') AS reason
     FROM (SELECT verdicts FROM ${S}) AS t, unnest(t.verdicts) AS u(v) GROUP BY ALL`,
  );
  f.byJudge = (await rows<Record<string, unknown>>(con, `SELECT judge, sum(n) FILTER (WHERE verdict = 'pass') AS pass, sum(n) FILTER (WHERE verdict = 'fail') AS fail, sum(n) FILTER (WHERE verdict = 'error') AS error FROM v GROUP BY judge ORDER BY judge`)).map((r) => ({
    judge: String(r.judge),
    pass: num(r.pass),
    fail: num(r.fail),
    error: num(r.error),
  }));
  f.totals.verdicts = f.byJudge.reduce((a, j) => a + j.pass + j.fail + j.error, 0);
  f.totals.judgeErrors = f.byJudge.reduce((a, j) => a + j.error, 0);
  f.rejections = (await rows<Record<string, unknown>>(con, `SELECT judge, category, sum(n) AS n, min(reason) AS example FROM v WHERE verdict = 'fail' GROUP BY judge, category ORDER BY n DESC, judge, category LIMIT 30`)).map((r) => ({
    judge: String(r.judge),
    category: String(r.category),
    count: num(r.n),
    example: clip(String(r.example), CLIP.reason)!,
  }));

  // Agreement, only between judges answering the same question: a generative correctness judge and its rule judge.
  for (const [rule, generative] of sameQuestionPairs(m.config)) {
    const [a] = await rows<Record<string, unknown>>(
      con,
      `SELECT count(*) AS both, count(*) FILTER (WHERE r = g) AS agree, count(*) FILTER (WHERE r = 'fail' AND g = 'pass') AS fp, count(*) FILTER (WHERE r = 'pass' AND g = 'fail') AS pf
       FROM (SELECT list_filter(verdicts, x -> x.judge = ${sqlString(rule)})[1].verdict AS r, list_filter(verdicts, x -> x.judge = ${sqlString(generative)})[1].verdict AS g FROM ${S})
       WHERE r IN ('pass', 'fail') AND g IN ('pass', 'fail')`,
    );
    if (num(a.both) > 0) f.agreement.push({ rule, generative, both: num(a.both), agree: num(a.agree), ruleFailGenerativePass: num(a.fp), rulePassGenerativeFail: num(a.pf) });
  }
}

/** Completion-token percentiles and bins of accepted and rejected samples, from the view `s`. */
async function lengthFigures(con: DuckDBConnection, f: Omit<BuildFigures, 'health'>): Promise<void> {
  const pct = (set: LengthPercentiles['set'], where: string) =>
    `SELECT '${set}' AS set, count(*) AS n, avg(completion_tokens) AS mean, quantile_cont(completion_tokens, 0.1) AS p10, quantile_cont(completion_tokens, 0.5) AS p50, quantile_cont(completion_tokens, 0.9) AS p90, quantile_cont(completion_tokens, 0.99) AS p99, max(completion_tokens) AS mx FROM s WHERE ${where}`;
  f.lengths.percentiles = (await rows<Record<string, unknown>>(con, `${pct('accepted', 'accepted')} UNION ALL ${pct('rejected', 'NOT accepted')} UNION ALL ${pct('selected', 'selected')}`))
    .filter((r) => num(r.n) > 0)
    .map((r) => ({ set: r.set as LengthPercentiles['set'], samples: num(r.n), mean: num(r.mean), p10: num(r.p10), p50: num(r.p50), p90: num(r.p90), p99: num(r.p99), max: num(r.mx) }))
    .sort((a, b) => ['accepted', 'rejected', 'selected'].indexOf(a.set) - ['accepted', 'rejected', 'selected'].indexOf(b.set));
  const [top] = await rows<{ top: number | null }>(con, `SELECT quantile_cont(completion_tokens, 0.995) AS top FROM s`);
  const width = niceBinWidth(num(top?.top ?? 0), LENGTH_BINS);
  f.lengths.binWidth = width;
  const counts = await rows<Record<string, unknown>>(con, `SELECT least(completion_tokens // ${width}, ${LENGTH_BINS}) AS b, count(*) FILTER (WHERE accepted) AS a, count(*) FILTER (WHERE NOT accepted) AS r FROM s GROUP BY b ORDER BY b`);
  const last = counts.length ? Math.max(...counts.map((r) => num(r.b))) : -1;
  const byBin = new Map(counts.map((r) => [num(r.b), r]));
  for (let b = 0; b <= last; b++) {
    const r = byBin.get(b);
    f.lengths.bins.push({ lo: b * width, hi: b === LENGTH_BINS ? null : (b + 1) * width, accepted: num(r?.a), rejected: num(r?.r) });
  }
}

/** Per prompt: the pass-rate bins, samples drawn, and the example prompts, from the view `s`. */
async function promptFigures(con: DuckDBConnection, f: Omit<BuildFigures, 'health'>, S: string, opts: FigureOptions, hasCategory: boolean): Promise<void> {
  // Pass rate: one value per prompt.
  await con.run(`CREATE TEMP TABLE p AS SELECT prompt_id, any_value(domain) AS domain, any_value(pass_rate) AS pass_rate, count(*) AS samples, bool_or(selected) AS selected FROM s GROUP BY prompt_id`);
  f.passRate = (await rows<Record<string, unknown>>(con, `SELECT domain, CASE WHEN pass_rate <= 0 THEN 0 WHEN pass_rate >= 1 THEN 11 ELSE least(10, greatest(1, ceil(pass_rate * 10)::INT)) END AS bin, count(*) AS n FROM p GROUP BY ALL ORDER BY domain, bin`)).map((r) => ({ domain: String(r.domain), bin: num(r.bin), prompts: num(r.n) }));
  f.samplesPerPrompt = (await rows<Record<string, unknown>>(con, `SELECT samples, count(*) FILTER (WHERE selected) AS w, count(*) FILTER (WHERE NOT selected) AS wo FROM p GROUP BY samples ORDER BY samples LIMIT 200`)).map((r) => ({ samples: num(r.samples), withSelected: num(r.w), withoutSelected: num(r.wo) }));
  f.examples = await examplesOf(con, S, opts.examples ?? EXAMPLE_PROMPTS, hasCategory);
}

/** [rule judge, generative judge] pairs that answer the same question, from the pipeline config's judges. */
export function sameQuestionPairs(config: Record<string, unknown>): [string, string][] {
  const judges = Array.isArray(config.judges) ? (config.judges as Record<string, unknown>[]) : [];
  const names = judges.map((j) => String(j.name ?? ''));
  const pairs: [string, string][] = [];
  for (const j of judges) {
    if (j.mode !== 'correctness') continue;
    const gen = String(j.name);
    const rules = typeof j.ruleJudge === 'string' ? [j.ruleJudge] : names.filter((n) => CORRECTNESS_RULE_JUDGES.has(n));
    for (const r of rules) if (r !== gen && names.includes(r)) pairs.push([r, gen]);
  }
  return pairs;
}

async function examplesOf(con: DuckDBConnection, S: string, count: number, hasCategory: boolean): Promise<ExamplePrompt[]> {
  if (count <= 0) return [];
  // Prompts where some samples passed and some did not, spread over domains; deterministic (hash of the id).
  const picked = await rows<{ prompt_id: string }>(
    con,
    `SELECT prompt_id FROM (SELECT prompt_id, domain, pass_rate > 0 AND pass_rate < 1 AS mixed, row_number() OVER (PARTITION BY domain, pass_rate > 0 AND pass_rate < 1 ORDER BY hash(prompt_id)) AS r FROM p)
     ORDER BY mixed DESC, r, domain LIMIT ${count}`,
  );
  if (picked.length === 0) return [];
  const ids = picked.map((p) => sqlString(p.prompt_id)).join(', ');
  const cat = hasCategory ? ', category: v.category' : '';
  const got = await rows<Record<string, unknown>>(
    con,
    `SELECT prompt_id, domain, prompt, reference, pass_rate, sample_index, accepted, selected, completion_tokens, finish_reason, reasoning, answer,
            [{judge: v.judge, verdict: v.verdict, reason: v.reason${cat}} FOR v IN verdicts] AS verdicts
     FROM ${S} WHERE prompt_id IN (${ids})
     QUALIFY row_number() OVER (PARTITION BY prompt_id, accepted ORDER BY selected DESC, sample_index) <= ${SAMPLES_PER_SIDE}
     ORDER BY prompt_id, sample_index`,
  );
  const order = new Map(picked.map((p, i) => [p.prompt_id, i]));
  const out = new Map<string, ExamplePrompt>();
  for (const r of got) {
    const id = String(r.prompt_id);
    let e = out.get(id);
    if (!e) out.set(id, (e = { promptId: id, domain: String(r.domain), prompt: clip(String(r.prompt), CLIP.prompt)!, reference: clip(r.reference as string | null, CLIP.answer), passRate: num(r.pass_rate), samples: [] }));
    e.samples.push({
      index: num(r.sample_index),
      accepted: Boolean(r.accepted),
      selected: Boolean(r.selected),
      completionTokens: num(r.completion_tokens),
      finishReason: String(r.finish_reason),
      reasoning: clip(String(r.reasoning), CLIP.reasoning)!,
      answer: clip(String(r.answer), CLIP.answer)!,
      verdicts: (r.verdicts as { judge: string; verdict: string; reason: string; category?: string | null }[]).map((v) => ({ judge: v.judge, verdict: v.verdict, reason: clip(v.reason, CLIP.reason)!, category: v.category ?? null })),
    });
  }
  return [...out.values()].sort((a, b) => order.get(a.promptId)! - order.get(b.promptId)!);
}

function clipValue(v: unknown): unknown {
  if (typeof v === 'string') return clip(v, CLIP.cell);
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(clipValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clipValue(x)]));
  return v;
}

const int = (n: number) => n.toLocaleString('en-US');
const share = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(a > 0 && a / b < 0.001 ? 3 : 1)}%` : '0%');

/** The health verdict: bad when the files do not match the manifest, a warning when too much went undecided or the build did not finish. */
export function healthOf(f: Omit<BuildFigures, 'health'>, checksums: ShardChecks, duplicatesDropped: number): Health {
  const problems: string[] = [];
  const broken = checksums.problems.filter((p) => p.status !== 'unlisted');
  const rowCountMismatches = f.corpora.filter((c) => c.rows !== c.manifestRows).map((c) => `${c.corpus}: DuckDB counts ${int(c.rows)} rows, the manifest says ${int(c.manifestRows)}`);
  let level = 'good' as Health['level'];
  if (broken.length) {
    level = 'bad';
    problems.push(`${broken.length} shard(s) do not match the manifest (${broken.slice(0, 3).map((p) => `${p.status} ${p.path}`).join(', ')}${broken.length > 3 ? ', …' : ''})`);
  }
  if (rowCountMismatches.length) {
    level = 'bad';
    problems.push(...rowCountMismatches);
  }
  const warn = (msg: string) => {
    if (level === 'good') level = 'warning';
    problems.push(msg);
  };
  if (!f.finished) warn('the build has not finished (figures as of its last commit)');
  if (f.totals.samples > 0 && f.totals.backendErrors / f.totals.samples > WARN_BACKEND_ERRORS) warn(`${share(f.totals.backendErrors, f.totals.samples)} of samples are backend errors`);
  if (f.totals.verdicts > 0 && f.totals.judgeErrors / f.totals.verdicts > WARN_JUDGE_ERRORS) warn(`${share(f.totals.judgeErrors, f.totals.verdicts)} of verdicts are judge errors (undecided)`);
  const unlisted = checksums.problems.length - broken.length;
  if (unlisted > 0) warn(`${unlisted} file(s) in the corpus folders are not in the manifest (an interrupted commit; resuming the build removes them)`);
  const quarantine = f.corpora.find((c) => c.corpus === 'quarantine')?.rows ?? 0;
  const nearDuplicates = f.excluded.find((e) => e.reason === 'near-duplicate')?.rows ?? 0;
  const facts = [
    `${int(f.totals.backendErrors)} backend errors (${share(f.totals.backendErrors, f.totals.samples)} of ${int(f.totals.samples)} samples)`,
    `${int(f.totals.judgeErrors)} judge errors (${share(f.totals.judgeErrors, f.totals.verdicts)} of ${int(f.totals.verdicts)} verdicts)`,
    `${int(quarantine)} input rows quarantined (${int(nearDuplicates)} near-duplicates)`,
    `${int(duplicatesDropped)} exact duplicates dropped`,
    `${int(checksums.ok)} of ${int(checksums.ok + broken.length)} shards match the manifest${checksums.method === 'size' ? "'s sizes (sha256 taken as they were written; distillery inspect re-hashes them)" : ''}`,
  ];
  const word = level === 'good' ? 'Healthy' : level === 'warning' ? 'Needs a look' : 'Broken';
  return {
    level,
    line: `${word}: ${facts.join('; ')}.${problems.length ? ` ${problems.join('; ')}.` : ''}`,
    problems,
    backendErrors: f.totals.backendErrors,
    judgeErrors: f.totals.judgeErrors,
    quarantined: quarantine,
    nearDuplicates,
    duplicatesDropped,
    checksums,
    rowCountMismatches,
  };
}
