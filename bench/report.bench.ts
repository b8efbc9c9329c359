/**
 * The report at scale: `distillery report` on a large synthetic build, timed with its peak RSS (child process,
 * /proc sampled every 0.2 s). Reference measured in the same run: reading every shard once for its sha256 (the
 * floor: the report checks every checksum against the manifest), so the ratio says what the DuckDB aggregates
 * and the page cost on top.
 *
 *   npm run bench:report -- --dir DIR               (an existing build, e.g. kept by bench:scale --keep: DIR/full)
 *   npm run bench:report -- --synthetic 100000      (writes N prompts × 4 samples straight through the Parquet store:
 *                                                    seeded R1-like rows, no judging; minutes instead of hours here)
 *   npm run bench:report -- --examples 100000       (makes one with bench/scale.bench.ts --no-crash --keep: the real
 *                                                    build, judges included; ~2 min per 100k on a quiet machine)
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { OutputConfig } from '../schemas/pipeline.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { chunkRows } from '../test/support/corpus-rows.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { dir: { type: 'string' }, examples: { type: 'string', default: '100000' }, synthetic: { type: 'string' }, 'mean-chars': { type: 'string', default: '1000' }, keep: { type: 'boolean', default: false } } });

let dir = values.dir;
let made: string | null = null;
if (!dir && values.synthetic) {
  const prompts = Number(values.synthetic);
  made = mkdtempSync(path.join(tmpdir(), 'distillery-bench-report-'));
  dir = made;
  const t = performance.now();
  const store = openParquetBuildStore(dir, OutputConfig.parse({ shardRows: 50_000, shardBytes: 64 * 1024 * 1024 }));
  await store.open({ pipeline: 'report-bench', config: { name: 'report-bench', judges: [{ name: 'format' }, { name: 'math' }] }, configHash: 'b'.repeat(64), codeVersion: 'bench', inputs: [] });
  for (let p = 0; p < prompts; p += 5_000) await store.commit(chunkRows(p, Math.min(prompts, p + 5_000), { k: 4, meanChars: Number(values['mean-chars']) }), {});
  await store.finish({});
  await store.close();
  console.log(`report bench: wrote ${prompts.toLocaleString()} prompts × 4 samples in ${((performance.now() - t) / 1000).toFixed(0)} s`);
} else if (!dir) {
  console.log(`report bench: making a ${Number(values.examples).toLocaleString()}-example build with bench/scale.bench.ts --no-crash --keep …`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench/scale.bench.ts'), '--examples', String(values.examples), '--no-crash', '--keep'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench:scale exited ${r.status}`);
  const m = /, in (\S+)/.exec(r.stdout);
  if (!m) throw new Error(`cannot find the build directory in bench:scale's output:\n${r.stdout.slice(0, 2000)}`);
  made = m[1];
  dir = path.join(made, 'full');
}
const manifest = await readManifest(dir);
if (!manifest) throw new Error(`${dir}: no manifest.json`);
const shardBytes = manifest.shards.reduce((a, s) => a + s.bytes, 0);

// Reference: every shard read once for its sha256.
const tRef = performance.now();
for (const s of manifest.shards) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path.join(dir, s.path))) h.update(chunk as Buffer);
  h.digest();
}
const refSeconds = (performance.now() - tRef) / 1000;

const out = path.join(tmpdir(), `distillery-bench-report-${process.pid}.html`);
const t0 = performance.now();
const rss: number[] = [];
const child = spawn(process.execPath, [path.join(repoRoot, 'bin/distillery.mjs'), 'report', dir, '--out', out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
const sampler = setInterval(() => {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) rss.push(Number(m[1]) / 1024);
  } catch {}
}, 200);
let stdout = '';
child.stdout.on('data', (d) => (stdout += d));
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
clearInterval(sampler);
const seconds = (performance.now() - t0) / 1000;
if (code !== 0) throw new Error(`distillery report exited ${code}`);
const pageBytes = statSync(out).size;
rmSync(out, { force: true });

const samples = manifest.totals.samples.rows;
console.log(JSON.stringify({
  dir,
  examples: manifest.totals.sft.rows,
  samples,
  shardMB: Math.round(shardBytes / 1e6),
  reportSeconds: Math.round(seconds * 10) / 10,
  // The command's own time, from its start to the page written (process and TypeScript start-up excluded).
  reportCommandSeconds: Number(/ in ([\d.]+)s/.exec(stdout)?.[1] ?? NaN),
  reportPeakRssMB: Math.round(Math.max(0, ...rss)),
  pageKB: Math.round(pageBytes / 1000),
  referenceSha256Seconds: Math.round(refSeconds * 10) / 10,
  ratioReportToSha256Read: Math.round((seconds / refSeconds) * 100) / 100,
  // Linear in samples: an 800k-example R1 build holds ~3.4M samples (bench:scale); the report's aggregates and its
  // checksum pass both grow with the rows and bytes read.
  extrapolated3_4MSamplesSeconds: Math.round((seconds * 3_400_000) / samples),
  cli: stdout.trim(),
}, null, 2));
if (made && !values.keep) rmSync(made, { recursive: true, force: true });
