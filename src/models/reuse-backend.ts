import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FinishReason } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import { codeVersion } from '../pipeline/code-version.ts';
import { canonicalJson } from '../pipeline/config-hash.ts';
import type { BuildStore } from '../sinks/build-store.ts';
import { readManifest } from '../sinks/manifest.ts';
import type { Backend, GeneratedSample, OpenContext, SampleRequest, Sampler } from './sampler.ts';

/** What an incremental build reused and what it had to make. */
export interface ReuseCounts {
  /** Samples served from the previous build (same sample key). */
  reused: number;
  /** Samples the wrapped backend generated (new prompts, new indices, or failed before). */
  generated: number;
  /** Reused samples that went through at least one of this build's judges again. */
  rejudged: number;
  /** Reused samples whose stored verdicts stood for every judge (no judge ran; no generative judge call paid). */
  verdictsKept: number;
  /**
   * Leading judges whose stored verdicts can stand: their config equals the previous build's, the code version is
   * the same, and samples are grouped the same way (k, target). 0 when any of that changed.
   */
  judgesReused: number;
  /** The previous build directory and whether its judge config differs from this one's. */
  previous: string;
  judgesChanged: boolean | null;
}

export interface ReuseOptions {
  /** Judge descriptors of this build (`pipeline.judges.map(j => j.describe())`), to tell whether re-judging happens. */
  judges?: Record<string, unknown>[];
  /**
   * How this build groups samples for judging (`generation.k`, `target`). Stored verdicts are kept only when it
   * equals the previous build's: a judge may look at a prompt's whole group (majority vote), so a verdict made in
   * another group could differ. Without it, every reused sample is judged again.
   */
  grouping?: { k: number; target: unknown };
  /** Sample shards kept decoded at once (the previous build is read shard by shard, in its commit order). */
  cachedShards?: number;
}

interface Stored {
  response: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Read only when some judges' verdicts can be kept. */
  verdicts: Verdict[];
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Nightly incremental builds: wrap a backend so that every sample a previous build already made — same sample
 * key, i.e. same prompt id, index and generation-config hash — is served from that build's `samples/` shards
 * (found through its manifest) instead of being generated again; only the rest goes to the wrapped backend.
 * The wrapper describes itself as the wrapped backend, so sample keys and outputs are those of a fresh build.
 * Served samples carry the verdicts the previous build stored: the leading judges whose config, code version and
 * sample grouping are unchanged keep them (no generative judge call is paid again); a changed judge, and every judge
 * after it, re-judges stored samples without regenerating them. Samples that failed in the previous build (`error`
 * set) are generated again.
 *
 * Memory: an index prompt id → shard (built from the `prompt_id` column only) and the decoded rows of at most
 * `cachedShards` shards; the new build asks in the previous build's order for the prompts it shares, so each
 * shard is decoded about once.
 */
export function reuseSamples(previousDir: string, inner: Backend, options: ReuseOptions = {}): Backend & { counts(): ReuseCounts } {
  const counts: ReuseCounts = { reused: 0, generated: 0, rejudged: 0, verdictsKept: 0, judgesReused: 0, previous: previousDir, judgesChanged: null };
  const totalJudges = options.judges?.length ?? Number.POSITIVE_INFINITY;
  const used = (kept: number) => {
    if (kept >= totalJudges) counts.verdictsKept++;
    else counts.rejudged++;
  };
  return {
    kind: inner.kind,
    batchSize: inner.batchSize,
    concurrency: inner.concurrency,
    describe: () => inner.describe(),
    counts: () => ({ ...counts }),
    async open(context?: OpenContext): Promise<Sampler> {
      const manifest = await readManifest(previousDir);
      if (!manifest) throw new Error(`reuse: ${previousDir} has no manifest.json; give the directory of a previous build (distillery run --out)`);
      const config = manifest.config as { judges?: unknown; generation?: { k?: unknown }; target?: unknown };
      if (options.judges) {
        const before = config.judges;
        counts.judgesChanged = before === undefined ? null : canonicalJson(before) !== canonicalJson(options.judges);
        const sameGrouping = options.grouping !== undefined && config.generation?.k === options.grouping.k && canonicalJson(config.target ?? null) === canonicalJson(options.grouping.target ?? null);
        if (Array.isArray(before) && sameGrouping && manifest.codeVersion === codeVersion()) {
          while (counts.judgesReused < Math.min(before.length, options.judges.length) && canonicalJson(before[counts.judgesReused]) === canonicalJson(options.judges[counts.judgesReused])) counts.judgesReused++;
        }
      }
      const withVerdicts = counts.judgesReused > 0;
      const shards = manifest.shards.filter((s) => s.corpus === 'samples').map((s) => path.join(previousDir, s.path));
      const db = await (await import('@duckdb/node-api')).DuckDBInstance.create(':memory:'); // loaded on use: a build that never reads Parquet back does not load DuckDB
      const con = await db.connect();
      const index = new Map<string, number[]>();
      for (let i = 0; i < shards.length; i++) {
        const rows = (await con.runAndReadAll(`SELECT DISTINCT prompt_id FROM read_parquet(${sqlString(shards[i])})`)).getRows();
        for (const [pid] of rows) {
          const list = index.get(String(pid));
          if (list) list.push(i);
          else index.set(String(pid), [i]);
        }
      }
      const cache = new Map<number, Map<string, Stored>>();
      const maxCached = Math.max(1, options.cachedShards ?? 2);
      const sampler = await inner.open(context);
      return {
        model: sampler.model,
        async generate(requests, config, signal) {
          const out: GeneratedSample[] = [];
          const rest: SampleRequest[] = [];
          for (const r of requests) {
            const files = index.get(r.prompt.id) ?? [];
            const stored = new Map<string, Stored>();
            for (const f of files) for (const key of r.keys) {
              const hit = (await shard(con, cache, maxCached, shards, f, withVerdicts)).get(key);
              if (hit) stored.set(key, hit);
            }
            const missing: { index: number; key: string }[] = [];
            r.indices.forEach((index, i) => {
              const s = stored.get(r.keys[i]);
              if (!s) return missing.push({ index, key: r.keys[i] });
              const previous = { verdicts: s.verdicts, judges: counts.judgesReused, used };
              out.push({ promptId: r.prompt.id, index, prefill: '', text: s.response, finishReason: s.finishReason, promptTokens: s.promptTokens, completionTokens: s.completionTokens, error: null, stored: previous });
            });
            counts.reused += r.indices.length - missing.length;
            if (missing.length) rest.push({ prompt: r.prompt, indices: missing.map((m) => m.index), keys: missing.map((m) => m.key) });
          }
          if (rest.length) {
            const generated = await sampler.generate(rest, config, signal);
            counts.generated += generated.length;
            out.push(...generated);
          }
          return out;
        },
        async close() {
          cache.clear();
          con.closeSync();
          db.closeSync();
          await sampler.close();
        },
      };
    },
  };
}

/** The reusable samples of one shard (decoded on first use, least recently used shard evicted). */
async function shard(con: DuckDBConnection, cache: Map<number, Map<string, Stored>>, max: number, files: string[], i: number, withVerdicts: boolean): Promise<Map<string, Stored>> {
  const hit = cache.get(i);
  if (hit) {
    cache.delete(i);
    cache.set(i, hit);
    return hit;
  }
  const columns = `key, response, finish_reason, prompt_tokens, completion_tokens${withVerdicts ? ', verdicts' : ''}`;
  const rows = (await con.runAndReadAll(`SELECT ${columns} FROM read_parquet(${sqlString(files[i])}) WHERE error IS NULL AND finish_reason <> 'error'`)).getRowObjectsJS();
  const map = new Map<string, Stored>();
  for (const r of rows) {
    const verdicts = withVerdicts ? ((r.verdicts ?? []) as unknown as StoredVerdictRow[]).map(verdictOfRow) : [];
    map.set(String(r.key), { response: String(r.response), finishReason: String(r.finish_reason) as FinishReason, promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens), verdicts });
  }
  cache.set(i, map);
  while (cache.size > max) cache.delete(cache.keys().next().value!);
  return map;
}

/** A verdict as the samples corpus stores it (src/select/rows.ts verdictColumn). */
interface StoredVerdictRow {
  judge: string;
  verdict: Verdict['verdict'];
  /** Absent in builds written before verdicts had a category. */
  category?: Verdict['category'] | null;
  score: number | null;
  reason: string;
  detail_json: string | null;
}

/** Back to the Verdict the judge gave: detail_json was JSON.stringify(detail), so parse + stringify is the identity. */
function verdictOfRow(v: StoredVerdictRow): Verdict {
  return { judge: v.judge, verdict: v.verdict, category: v.category ?? (v.verdict === 'pass' ? 'ok' : 'uncategorised'), score: v.score ?? null, reason: v.reason, detail: v.detail_json === null ? null : (JSON.parse(v.detail_json) as Record<string, unknown>) };
}

/** A store whose final report states what the incremental build reused, generated and re-judged (`incremental`). */
export function withReuseReport(store: BuildStore, backend: { counts(): ReuseCounts }): BuildStore {
  return {
    get dir() {
      return store.dir;
    },
    open: (identity, options) => store.open(identity, options),
    commit: (rows, stats) => store.commit(rows, stats),
    finish: (report) => store.finish({ ...report, incremental: backend.counts() }),
    close: () => store.close(),
  };
}
