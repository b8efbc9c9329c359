import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputConfig } from '../schemas/pipeline.ts';
import type { BuildIdentity } from '../src/sinks/build-store.ts';
import { datasetCardOf } from '../src/sinks/dataset-card.ts';
import { duckObjects } from './support/duckdb-query.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { chunkRows } from './support/corpus-rows.ts';
import { offlineHfEnv, pythonWithDatasets } from './support/python-datasets.ts';

const identity: BuildIdentity = {
  pipeline: 'card-test',
  config: { name: 'card-test', generation: { k: 2, temperature: 0.6 } },
  configHash: 'c'.repeat(64),
  codeVersion: 'test',
  inputs: [{ name: 'prompts.jsonl', sha256: 'a'.repeat(64) }],
};
const output = OutputConfig.parse({ shardRows: 9, shardBytes: 200_000, rowGroupBytes: 20_000 });

/** A small build: 3 commits of whole prompts, one with a quarantined row; closed and resumed after commit 2. */
async function smallBuild(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-card-'));
  const card = (m: Parameters<typeof datasetCardOf>[1], d: string) => datasetCardOf(d, m, { license: 'mit', language: ['en', 'zh'] });
  let store = openParquetBuildStore(dir, output, { card });
  await store.open(identity);
  await store.commit(chunkRows(0, 6, { meanChars: 300 }), { prompts: 6 });
  const second = chunkRows(6, 12, { meanChars: 300 });
  second.quarantine.push({ file: 'prompts.jsonl', line: 40, reason: 'near-duplicate: of p0000001 (estimated Jaccard 0.93)', raw: '{}' });
  await store.commit(second, { prompts: 12 });
  // A resumed build: the card's figures come from the shards of every commit.
  await store.close();
  store = openParquetBuildStore(dir, output, { card });
  await store.open(identity);
  await store.commit(chunkRows(12, 20, { meanChars: 300 }), { prompts: 20 });
  await store.finish({ prompts: 20, wall_seconds: 1.5 });
  await store.close();
  return dir;
}

test('the card of a build: YAML metadata and configs, health, figures from DuckDB over the shards, example rows, no raw key dump', async (t) => {
  const dir = await smallBuild();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const readme = await readFile(join(dir, 'README.md'), 'utf8');
  const manifest = (await readManifest(dir))!;
  assert.equal(readme, await datasetCardOf(dir, manifest, { license: 'mit', language: ['en', 'zh'] }), 'finish() wrote the card of the final manifest');
  const header = readme.split('\n---\n')[0];
  for (const c of ['sft', 'distill', 'samples', 'prefs']) assert.match(header, new RegExp(`- config_name: ${c}\\n(  default: true\\n)?  data_files:\\n  - split: train\\n    path: "${c}/\\*\\.parquet"`));
  assert.match(header, /license: "mit"/);
  assert.match(header, /language:\n- "en"\n- "zh"\n/);
  assert.match(header, /size_categories:\n- n<1K\n/);
  assert.match(header, /task_categories:\n- text-generation\n/);
  const manifestBytes = await readFile(join(dir, 'manifest.json'));
  assert.ok(readme.includes(createHash('sha256').update(manifestBytes).digest('hex')), 'the card names the sha256 of manifest.json as written');
  assert.ok(readme.includes(`| sft | ${manifest.totals.sft.rows} |`));
  assert.match(readme, /\*\*Build health\.\*\* Healthy: 0 backend errors .* 1 input rows quarantined \(1 near-duplicates\); 0 exact duplicates dropped; \d+ of \d+ shards match the manifest\./);
  assert.ok(readme.includes('| near-duplicate | 1 |'), 'excluded input lists the near-duplicate');
  assert.ok(readme.includes('"temperature": 0.6'));
  assert.ok(!readme.includes('wall_seconds') && !readme.includes('## Build report'), 'no raw dump of the report keys');
  // Real length percentiles, equal to DuckDB's over the shards (not one histogram bucket).
  const S = `read_parquet('${dir}/samples/*.parquet')`;
  const [q] = await duckObjects<{ p50: number; p90: number; mx: number; n: bigint }>(`SELECT quantile_cont(completion_tokens, 0.5) AS p50, quantile_cont(completion_tokens, 0.9) AS p90, max(completion_tokens)::DOUBLE AS mx, count(*) AS n FROM ${S} WHERE accepted`);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  assert.ok(readme.includes(`| accepted | ${Number(q.n)} | `), 'percentile row of accepted samples');
  assert.match(readme, new RegExp(`\\| accepted \\| ${Number(q.n)} \\| \\d[\\d,]* \\| \\d[\\d,]* \\| ${fmt(q.p50)} \\| ${fmt(q.p90)} \\| \\d[\\d,]* \\| ${fmt(q.mx)} \\|`));
  const lengthRows = readme.split('\n').filter((l) => /^\| \d[\d,]*–\d[\d,]* \| /.test(l) || /^\| ≥ \d/.test(l));
  assert.ok(lengthRows.length >= 3, `several length bins, got ${lengthRows.length}`);
  // Top rejection categories: the math failures ("expected 412, got 413", …) are one category.
  const [fails] = await duckObjects<{ n: bigint }>(`SELECT count(*) AS n FROM ${S}, unnest(verdicts) AS u(v) WHERE v.judge = 'math' AND v.verdict = 'fail'`);
  assert.ok(readme.includes(`| math | wrong_answer | ${Number(fails.n)} |`), 'math failures grouped under their category');
  assert.match(readme, /Failed verdicts grouped by the category each judge gives/);
  // No generative judge in this pipeline: no agreement between judges that answer different questions.
  assert.ok(!/format vs math/.test(readme));
  assert.match(readme, /No generative judge answers the same question/);
  for (const c of ['sft', 'distill', 'samples', 'prefs']) assert.ok(readme.includes(`### \`${c}\``), `an example row of ${c}`);
  // 20 prompts over three commits, one after a resume: the figures count each once
  assert.match(readme, /^20 prompts, /m);
});

test('HF datasets loads each config of the build through the card', async (t) => {
  const py = pythonWithDatasets();
  if ('skip' in py) return t.skip(py.skip);
  const dir = await smallBuild();
  t.after(() => rm(dir, { recursive: true, force: true }));
  const manifest = (await readManifest(dir))!;
  const script = [
    'import json, sys',
    'from datasets import load_dataset',
    'out = {}',
    'for name in ["sft", "distill", "samples", "prefs"]:',
    '    ds = load_dataset(sys.argv[1], name, split="train")',
    '    out[name] = {"rows": ds.num_rows, "columns": sorted(ds.column_names)}',
    'sft = load_dataset(sys.argv[1], split="train")',  // the default config
    'out["default_rows"] = sft.num_rows',
    'out["first_roles"] = [m["role"] for m in sft[0]["messages"]]',
    'print(json.dumps(out))',
  ].join('\n');
  const cache = await mkdtemp(join(tmpdir(), 'hf-cache-'));
  t.after(() => rm(cache, { recursive: true, force: true }));
  const got = JSON.parse(execFileSync(py.python, ['-c', script, dir], { env: offlineHfEnv(cache), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
  for (const c of ['sft', 'distill', 'samples', 'prefs'] as const) assert.equal(got[c].rows, manifest.totals[c].rows, c);
  assert.equal(got.default_rows, manifest.totals.sft.rows);
  assert.ok(got.sft.columns.includes('messages'));
  assert.ok(got.prefs.columns.includes('chosen') && got.prefs.columns.includes('rejected'));
  assert.equal(got.first_roles.at(-1), 'assistant');
});
