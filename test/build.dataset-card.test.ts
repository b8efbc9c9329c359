import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputConfig } from '../schemas/pipeline.ts';
import type { BuildIdentity } from '../src/sinks/build-store.ts';
import { withCardStats } from '../src/sinks/card-stats-store.ts';
import { addChunk, emptyCardStats, histogramPercentile } from '../src/sinks/card-stats.ts';
import { datasetCard } from '../src/sinks/dataset-card.ts';
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
  const card = (m: Parameters<typeof datasetCard>[0]) => datasetCard(m, { license: 'mit' });
  let store = withCardStats(openParquetBuildStore(dir, output, { card }));
  await store.open(identity);
  await store.commit(chunkRows(0, 6, { meanChars: 300 }), { prompts: 6 });
  const second = chunkRows(6, 12, { meanChars: 300 });
  second.quarantine.push({ file: 'prompts.jsonl', line: 40, reason: 'near-duplicate: of p0000001 (estimated Jaccard 0.93)', raw: '{}' });
  await store.commit(second, { prompts: 12 });
  // A resumed build continues the card figures from the committed stats.
  await store.close();
  store = withCardStats(openParquetBuildStore(dir, output, { card }));
  await store.open(identity);
  assert.equal(store.cardStats().rows.quarantine, 1);
  await store.commit(chunkRows(12, 20, { meanChars: 300 }), { prompts: 20 });
  await store.finish({ prompts: 20, wall_seconds: 1.5 });
  await store.close();
  return dir;
}

test('card figures: counts per domain and source, token histogram, judge agreement, quarantine categories', () => {
  const rows = chunkRows(0, 8, { meanChars: 300 });
  const s = addChunk(emptyCardStats(), rows);
  const total = Object.values(s.byDomain).reduce((a, g) => a + g.samples, 0);
  assert.equal(total, rows.samples.length);
  assert.equal(Object.values(s.byDomain).reduce((a, g) => a + g.prompts, 0), 8);
  assert.equal(Object.values(s.bySource).reduce((a, g) => a + g.selected, 0), rows.samples.filter((r) => r.selected).length);
  assert.equal(s.tokens.all.reduce((a, b) => a + b, 0), rows.samples.length);
  assert.equal(s.passRate.reduce((a, b) => a + b, 0), 8);
  const judges = new Set(rows.samples.flatMap((r) => r.verdicts.map((v) => v.judge)));
  assert.deepEqual(Object.keys(s.judges).sort(), [...judges].sort());
  for (const [pair, { both, agree }] of Object.entries(s.agreement)) {
    const [a, b] = pair.split('|');
    const expected = rows.samples.map((r) => [r.verdicts.find((v) => v.judge === a)?.verdict, r.verdicts.find((v) => v.judge === b)?.verdict]).filter(([x, y]) => (x === 'pass' || x === 'fail') && (y === 'pass' || y === 'fail'));
    assert.equal(both, expected.length);
    assert.equal(agree, expected.filter(([x, y]) => x === y).length);
  }
  assert.equal(histogramPercentile([0, 0, 0], 0.5), null);
  assert.equal(histogramPercentile([1, 3, 0], 0.5), 256);
});

test('the card of a build: YAML configs for each corpus, figures, pipeline config and the manifest checksum', async () => {
  const dir = await smallBuild();
  const readme = await readFile(join(dir, 'README.md'), 'utf8');
  const manifest = (await readManifest(dir))!;
  assert.equal(readme, datasetCard(manifest, { license: 'mit' }), 'finish() wrote the card of the final manifest');
  const header = readme.split('\n---\n')[0];
  for (const c of ['sft', 'distill', 'samples', 'prefs']) assert.match(header, new RegExp(`- config_name: ${c}\\n(  default: true\\n)?  data_files:\\n  - split: train\\n    path: "${c}/\\*\\.parquet"`));
  assert.match(header, /license: "mit"/);
  const manifestBytes = await readFile(join(dir, 'manifest.json'));
  assert.ok(readme.includes(createHash('sha256').update(manifestBytes).digest('hex')), 'the card names the sha256 of manifest.json as written');
  assert.ok(readme.includes(`| sft | ${manifest.totals.sft.rows} |`));
  assert.ok(readme.includes('| near-duplicate | 1 |'));
  assert.ok(readme.includes('"temperature": 0.6'));
  assert.match(readme, /\| format vs math \| \d+ \| \d+ \| \d+\.\d% \|/);
  assert.ok(readme.includes('| wall_seconds | 1.5 |'));
  // 20 prompts over three commits, one after a resume: the figures count each once
  assert.match(readme, /^20 prompts, /m);
});

test('HF datasets loads each config of the build through the card', async (t) => {
  const py = pythonWithDatasets();
  if ('skip' in py) return t.skip(py.skip);
  const dir = await smallBuild();
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
  const got = JSON.parse(execFileSync(py.python, ['-c', script, dir], { env: offlineHfEnv(cache), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()!);
  for (const c of ['sft', 'distill', 'samples', 'prefs'] as const) assert.equal(got[c].rows, manifest.totals[c].rows, c);
  assert.equal(got.default_rows, manifest.totals.sft.rows);
  assert.ok(got.sft.columns.includes('messages'));
  assert.ok(got.prefs.columns.includes('chosen') && got.prefs.columns.includes('rejected'));
  assert.equal(got.first_roles.at(-1), 'assistant');
});
