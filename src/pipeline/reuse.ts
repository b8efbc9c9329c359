import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FinishReason } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import type { GeneratedSample, SampleRequest } from '../models/sampler.ts';
import { readManifest } from '../sinks/manifest.ts';
import { codeVersion } from './code-version.ts';
import { canonicalJson } from '../../schemas/canonical-json.ts';

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

/**
 * A previous build's verdicts on a reused sample. The first `judges` judges of this build are those of the previous
 * build (same config, same code, samples grouped the same way), so their stored verdicts can stand instead of
 * judging again — which for a generative judge means not paying for the calls again.
 */
export interface StoredVerdicts {
  verdicts: Verdict[];
  /** Leading judges of this build whose stored verdicts are valid (0: judge everything again). */
  judges: number;
  /** The engine says, each time it judges the sample, how many leading judges' stored verdicts it kept. */
  used(keptJudges: number): void;
}

/** A sample served from the previous build, with the verdicts it stored. */
export interface ReusedSample {
  sample: GeneratedSample;
  stored: StoredVerdicts;
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
 * Nightly incremental builds (`runPipeline(…, { reuse: previousDir })`, `distillery run --reuse`): every sample a
 * previous build already made — same sample key, i.e. same prompt id, index and generation-config hash — is served
 * from that build's `samples/` shards (found through its manifest) instead of being generated again; only the rest
 * goes to the backend, so sample keys and outputs are those of a fresh build. Served samples carry the verdicts the
 * previous build stored: the leading judges whose config, code version and sample grouping are unchanged keep them
 * (no generative judge call is paid again); a changed judge, and every judge after it, re-judges stored samples
 * without regenerating them. Samples that failed in the previous build (`error` set) are generated again.
 *
 * Memory: an index prompt id → shard (built from the `prompt_id` column only) and the decoded rows of at most
 * `cachedShards` shards; the new build asks in the previous build's order for the prompts it shares, so each
 * shard is decoded about once.
 */
export class PreviousBuild {
  private readonly cache = new Map<number, Map<string, Stored>>();
  private readonly counted: ReuseCounts;

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly con: DuckDBConnection,
    private readonly shards: string[],
    private readonly index: Map<string, number[]>,
    private readonly withVerdicts: boolean,
    private readonly maxCached: number,
    private readonly totalJudges: number,
    counts: ReuseCounts,
  ) {
    this.counted = counts;
  }

  /** Open a previous build directory: read its manifest, tell which judges' verdicts stand, index its samples. */
  static async open(previousDir: string, options: ReuseOptions = {}): Promise<PreviousBuild> {
    const counts: ReuseCounts = { reused: 0, generated: 0, rejudged: 0, verdictsKept: 0, judgesReused: 0, previous: previousDir, judgesChanged: null };
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
    return new PreviousBuild(db, con, shards, index, counts.judgesReused > 0, Math.max(1, options.cachedShards ?? 2), options.judges?.length ?? Number.POSITIVE_INFINITY, counts);
  }

  /** What this build reused, generated and re-judged so far. */
  counts(): ReuseCounts {
    return { ...this.counted };
  }

  /** The samples of `requests` the previous build has, and the requests for the rest (to generate). */
  async take(requests: readonly SampleRequest[]): Promise<{ served: ReusedSample[]; rest: SampleRequest[] }> {
    const served: ReusedSample[] = [];
    const rest: SampleRequest[] = [];
    const used = (kept: number) => {
      if (kept >= this.totalJudges) this.counted.verdictsKept++;
      else this.counted.rejudged++;
    };
    for (const r of requests) {
      const files = this.index.get(r.prompt.id) ?? [];
      const stored = new Map<string, Stored>();
      for (const f of files) for (const key of r.keys) {
        const hit = (await this.shard(f)).get(key);
        if (hit) stored.set(key, hit);
      }
      const missing: { index: number; key: string }[] = [];
      r.indices.forEach((index, i) => {
        const s = stored.get(r.keys[i]);
        if (!s) return missing.push({ index, key: r.keys[i] });
        const sample: GeneratedSample = { promptId: r.prompt.id, index, prefill: '', text: s.response, finishReason: s.finishReason, promptTokens: s.promptTokens, completionTokens: s.completionTokens, error: null };
        served.push({ sample, stored: { verdicts: s.verdicts, judges: this.counted.judgesReused, used } });
      });
      this.counted.reused += r.indices.length - missing.length;
      if (missing.length) rest.push({ prompt: r.prompt, indices: missing.map((m) => m.index), keys: missing.map((m) => m.key) });
    }
    return { served, rest };
  }

  /** Samples the backend generated for the rest. */
  generated(n: number): void {
    this.counted.generated += n;
  }

  close(): void {
    this.cache.clear();
    this.con.closeSync();
    this.db.closeSync();
  }

  /** The reusable samples of one shard (decoded on first use, least recently used shard evicted). */
  private async shard(i: number): Promise<Map<string, Stored>> {
    const hit = this.cache.get(i);
    if (hit) {
      this.cache.delete(i);
      this.cache.set(i, hit);
      return hit;
    }
    const columns = `key, response, finish_reason, prompt_tokens, completion_tokens${this.withVerdicts ? ', verdicts' : ''}`;
    const rows = (await this.con.runAndReadAll(`SELECT ${columns} FROM read_parquet(${sqlString(this.shards[i])}) WHERE error IS NULL AND finish_reason <> 'error'`)).getRowObjectsJS();
    const map = new Map<string, Stored>();
    for (const r of rows) {
      const verdicts = this.withVerdicts ? ((r.verdicts ?? []) as unknown as StoredVerdictRow[]).map(verdictOfRow) : [];
      map.set(String(r.key), { response: String(r.response), finishReason: String(r.finish_reason) as FinishReason, promptTokens: Number(r.prompt_tokens), completionTokens: Number(r.completion_tokens), verdicts });
    }
    this.cache.set(i, map);
    while (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
    return map;
  }
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
