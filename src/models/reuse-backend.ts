import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FinishReason } from '../../schemas/sample.ts';
import { canonicalJson } from '../pipeline/config-hash.ts';
import type { BuildStore } from '../sinks/build-store.ts';
import { readManifest } from '../sinks/manifest.ts';
import type { Backend, GeneratedSample, SampleRequest, Sampler } from './sampler.ts';

/** What an incremental build reused and what it had to make. */
export interface ReuseCounts {
  /** Samples served from the previous build (same sample key). */
  reused: number;
  /** Samples the wrapped backend generated (new prompts, new indices, or failed before). */
  generated: number;
  /** Reused samples judged again because the judges differ from the previous build's (0 when unchanged). */
  rejudged: number;
  /** The previous build directory and whether its judge config differs from this one's. */
  previous: string;
  judgesChanged: boolean | null;
}

export interface ReuseOptions {
  /** Judge descriptors of this build (`pipeline.judges.map(j => j.describe())`), to tell whether re-judging happens. */
  judges?: Record<string, unknown>[];
  /** Sample shards kept decoded at once (the previous build is read shard by shard, in its commit order). */
  cachedShards?: number;
}

interface Stored {
  response: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * Nightly incremental builds: wrap a backend so that every sample a previous build already made — same sample
 * key, i.e. same prompt id, index and generation-config hash — is served from that build's `samples/` shards
 * (found through its manifest) instead of being generated again; only the rest goes to the wrapped backend.
 * The wrapper describes itself as the wrapped backend, so sample keys and outputs are those of a fresh build.
 * Every served sample then goes through this build's judges: a changed judge re-judges stored samples without
 * regenerating them. Samples that failed in the previous build (`error` set) are generated again.
 *
 * Memory: an index prompt id → shard (built from the `prompt_id` column only) and the decoded rows of at most
 * `cachedShards` shards; the new build asks in the previous build's order for the prompts it shares, so each
 * shard is decoded about once.
 */
export function reuseSamples(previousDir: string, inner: Backend, options: ReuseOptions = {}): Backend & { counts(): ReuseCounts } {
  const counts: ReuseCounts = { reused: 0, generated: 0, rejudged: 0, previous: previousDir, judgesChanged: null };
  return {
    kind: inner.kind,
    batchSize: inner.batchSize,
    concurrency: inner.concurrency,
    describe: () => inner.describe(),
    counts: () => ({ ...counts }),
    async open(): Promise<Sampler> {
      const manifest = await readManifest(previousDir);
      if (!manifest) throw new Error(`reuse: ${previousDir} has no manifest.json; give the directory of a previous build (distillery run --out)`);
      if (options.judges) {
        const before = (manifest.config as { judges?: unknown }).judges;
        counts.judgesChanged = before === undefined ? null : canonicalJson(before) !== canonicalJson(options.judges);
      }
      const shards = manifest.shards.filter((s) => s.corpus === 'samples').map((s) => path.join(previousDir, s.path));
      const db = await DuckDBInstance.create(':memory:');
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
      const sampler = await inner.open();
      return {
        model: sampler.model,
        async generate(requests, config, signal) {
          const out: GeneratedSample[] = [];
          const rest: SampleRequest[] = [];
          for (const r of requests) {
            const files = index.get(r.prompt.id) ?? [];
            const stored = new Map<string, Stored>();
            for (const f of files) for (const key of r.keys) {
              const hit = (await shard(con, cache, maxCached, shards, f)).get(key);
              if (hit) stored.set(key, hit);
            }
            const missing: { index: number; key: string }[] = [];
            r.indices.forEach((index, i) => {
              const s = stored.get(r.keys[i]);
              if (!s) return missing.push({ index, key: r.keys[i] });
              out.push({ promptId: r.prompt.id, index, prefill: '', text: s.response, finishReason: s.finishReason, promptTokens: s.promptTokens, completionTokens: s.completionTokens, error: null });
            });
            counts.reused += r.indices.length - missing.length;
            if (counts.judgesChanged) counts.rejudged += r.indices.length - missing.length;
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
async function shard(con: DuckDBConnection, cache: Map<number, Map<string, Stored>>, max: number, files: string[], i: number): Promise<Map<string, Stored>> {
  const hit = cache.get(i);
  if (hit) {
    cache.delete(i);
    cache.set(i, hit);
    return hit;
  }
  const rows = (await con.runAndReadAll(`SELECT key, response, finish_reason, prompt_tokens, completion_tokens FROM read_parquet(${sqlString(files[i])}) WHERE error IS NULL AND finish_reason <> 'error'`)).getRows();
  const map = new Map<string, Stored>();
  for (const [key, response, fr, pt, ct] of rows) map.set(String(key), { response: String(response), finishReason: String(fr) as FinishReason, promptTokens: Number(pt), completionTokens: Number(ct) });
  cache.set(i, map);
  while (cache.size > max) cache.delete(cache.keys().next().value!);
  return map;
}

/** A store whose final report states what the incremental build reused, generated and re-judged (`incremental`). */
export function withReuseReport(store: BuildStore, backend: { counts(): ReuseCounts }): BuildStore {
  return {
    get dir() {
      return store.dir;
    },
    open: (identity) => store.open(identity),
    commit: (rows, stats) => store.commit(rows, stats),
    finish: (report) => store.finish({ ...report, incremental: backend.counts() }),
    close: () => store.close(),
  };
}
