/**
 * `npm run bench:sink [-- --rows N --chunk N --workers N --zstd-level N --sides baseline,duckdb,ours]`: our Parquet
 * sink (openParquetBuildStore: hyparquet-writer + zstd in worker threads) against DuckDB (appender → `COPY …
 * (FORMAT parquet, COMPRESSION zstd)`) on the same rows: R1-like SFT rows (~4 KB mean CoT, varied lengths, seeded
 * word-list text). Each side runs in its own child process so peak RSS is its own; rows are generated in chunks
 * inside the child (as the engine hands commits), and only the write calls are timed. Prints rows/s, MB/s (row text
 * in), CPU seconds (the whole process, all threads, during the write calls), peak RSS, output size, and ratios.
 * On a shared machine wall time swings with the other jobs; CPU seconds per MB is the steadier measure of cost.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { DuckDBInstance, listValue, structValue } from '@duckdb/node-api';
import { OutputConfig } from '../schemas/pipeline.ts';
import type { SftRecord } from '../schemas/records.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { approxRowBytes } from '../src/sinks/row-budget.ts';
import { chunkRows } from '../test/support/corpus-rows.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    chunk: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '2' },
    'zstd-level': { type: 'string' },
    sides: { type: 'string', default: 'baseline,duckdb,ours' },
    child: { type: 'string' },
    out: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const CHUNK = Number(args.chunk);

interface Result {
  side: string;
  rows: number;
  textBytes: number;
  seconds: number;
  /** user + system CPU of the whole process (all threads) during the timed calls. */
  cpuSeconds: number;
  maxRssMB: number;
  outBytes: number;
}

/** SFT rows [from, to) with ~4 KB assistant turns (k = 1: just the accepted sample). */
function sftRows(from: number, to: number): SftRecord[] {
  return chunkRows(from, to, { k: 1, meanChars: 4000, seed: 7 }).sft;
}

/** Adds the wall and CPU time of `f` to `acc`. */
async function timed<T>(acc: { seconds: number; cpuSeconds: number }, f: () => Promise<T> | T): Promise<T> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    acc.seconds += (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    acc.cpuSeconds += (c.user + c.system) / 1e6;
  }
}

async function dirBytes(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith('.parquet')) n += (await stat(join(e.parentPath ?? e.path, e.name))).size;
  return n;
}

async function runOurs(out: string): Promise<Result> {
  // A commit of CHUNK rows splits into shards of CHUNK / workers rows, written in parallel by the workers.
  const workers = Number(args.workers);
  const output = OutputConfig.parse({ shardRows: Math.ceil(CHUNK / workers), rowGroupBytes: 16 * 1024 * 1024 });
  const level = args['zstd-level'] === undefined ? undefined : Number(args['zstd-level']);
  const store = openParquetBuildStore(out, output, { workers, ...(level === undefined ? {} : { zstdLevel: level }) });
  await store.open({ pipeline: 'bench', config: {}, configHash: 'bench', codeVersion: 'bench', inputs: [] });
  const t = { seconds: 0, cpuSeconds: 0 };
  let textBytes = 0;
  for (let i = 0; i < ROWS; i += CHUNK) {
    const sft = sftRows(i, Math.min(ROWS, i + CHUNK));
    for (const r of sft) textBytes += approxRowBytes(r);
    await timed(t, () => store.commit({ sft, distill: [], samples: [], prefs: [], quarantine: [] }, {}));
  }
  await timed(t, async () => {
    await store.finish({});
    await store.close();
  });
  const side = `ours (${workers} worker${workers > 1 ? 's' : ''}${level === undefined ? '' : `, zstd ${level}`})`;
  return { side, rows: ROWS, textBytes, ...t, maxRssMB: process.resourceUsage().maxRSS / 1024, outBytes: await dirBytes(out) };
}

async function runDuck(out: string): Promise<Result> {
  const db = await DuckDBInstance.create(join(out, 'bench.duckdb'));
  const con = await db.connect();
  await con.run(
    `CREATE TABLE sft (id VARCHAR, prompt_id VARCHAR, messages STRUCT(role VARCHAR, content VARCHAR)[], domain VARCHAR, source VARCHAR, prompt_tokens BIGINT, completion_tokens BIGINT, reward DOUBLE)`,
  );
  const t = { seconds: 0, cpuSeconds: 0 };
  let textBytes = 0;
  for (let i = 0; i < ROWS; i += CHUNK) {
    const sft = sftRows(i, Math.min(ROWS, i + CHUNK));
    for (const r of sft) textBytes += approxRowBytes(r);
    await timed(t, async () => {
      const app = await con.createAppender('sft');
      for (const r of sft) {
        app.appendVarchar(r.id);
        app.appendVarchar(r.prompt_id);
        app.appendValue(listValue(r.messages.map((m) => structValue({ role: m.role, content: m.content }))));
        app.appendVarchar(r.domain);
        app.appendVarchar(r.source);
        app.appendBigInt(BigInt(r.prompt_tokens));
        app.appendBigInt(BigInt(r.completion_tokens));
        if (r.reward === null) app.appendNull();
        else app.appendDouble(r.reward);
        app.endRow();
      }
      app.closeSync();
    });
  }
  await timed(t, () => con.run(`COPY sft TO '${join(out, 'sft.parquet')}' (FORMAT parquet, COMPRESSION zstd)`));
  con.closeSync();
  db.closeSync();
  return { side: 'DuckDB appender + COPY zstd', rows: ROWS, textBytes, ...t, maxRssMB: process.resourceUsage().maxRSS / 1024, outBytes: await dirBytes(out) };
}

/** Generation only: the RSS floor both sides share. */
async function runBaseline(): Promise<Result> {
  let textBytes = 0;
  for (let i = 0; i < ROWS; i += CHUNK) for (const r of sftRows(i, Math.min(ROWS, i + CHUNK))) textBytes += approxRowBytes(r);
  return { side: 'generate rows only', rows: ROWS, textBytes, seconds: 0, cpuSeconds: 0, maxRssMB: process.resourceUsage().maxRSS / 1024, outBytes: 0 };
}

async function child(side: string): Promise<Result> {
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, ...process.argv.slice(2), '--child', side], {
    maxBuffer: 1 << 24,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Result;
}

if (args.child) {
  const out = args.out!;
  const r = args.child === 'ours' ? await runOurs(out) : args.child === 'duckdb' ? await runDuck(out) : await runBaseline();
  console.log(JSON.stringify(r));
} else {
  const base = await mkdtemp(join(tmpdir(), 'distillery-sink-bench-'));
  try {
    const sides = args.sides.split(',');
    const results = new Map<string, Result>();
    for (const side of sides) {
      const out = join(base, side);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(out, { recursive: true });
      process.argv.push('--out', out);
      results.set(side, await child(side));
      process.argv.splice(-2);
      await rm(out, { recursive: true, force: true });
    }
    const [baseline, duck, ours] = ['baseline', 'duckdb', 'ours'].map((s) => results.get(s));
    const first = [...results.values()][0];
    console.log(`sink bench: ${ROWS} SFT rows, ${(first.textBytes / ROWS / 1000).toFixed(1)} KB mean row text, chunks of ${CHUNK}`);
    for (const r of results.values()) {
      const rate = r.seconds
        ? `${Math.round(r.rows / r.seconds).toString().padStart(7)} rows/s  ${(r.textBytes / 1e6 / r.seconds).toFixed(1).padStart(6)} MB/s  ${r.seconds.toFixed(1).padStart(6)} s  CPU ${r.cpuSeconds.toFixed(1).padStart(6)} s = ${((r.cpuSeconds * 1000) / (r.textBytes / 1e6)).toFixed(1).padStart(5)} ms/MB`
        : ' '.repeat(67);
      console.log(`  ${r.side.padEnd(30)} ${rate}  peak RSS ${r.maxRssMB.toFixed(0).padStart(5)} MB  out ${(r.outBytes / 1e6).toFixed(1)} MB`);
    }
    if (duck && ours) {
      const tput = duck.seconds / ours.seconds;
      const rssAbove = baseline ? `, RSS above generation ${((ours.maxRssMB - baseline.maxRssMB) / Math.max(1, duck.maxRssMB - baseline.maxRssMB)).toFixed(2)}×` : '';
      console.log(`ratios (ours / DuckDB): throughput ${tput.toFixed(2)}×, CPU seconds ${(ours.cpuSeconds / duck.cpuSeconds).toFixed(2)}×, peak RSS ${(ours.maxRssMB / duck.maxRssMB).toFixed(2)}×${rssAbove}, file size ${(ours.outBytes / duck.outBytes).toFixed(2)}×`);
      console.log(`goal: throughput ≥ 1.0× (${tput >= 1 ? 'met' : 'not met'}), peak RSS ≤ 0.2× (${ours.maxRssMB <= 0.2 * duck.maxRssMB ? 'met' : 'not met'})`);
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
