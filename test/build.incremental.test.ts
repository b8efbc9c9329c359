import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { formatJudge } from '../src/judges/format.ts';
import { replay } from '../src/models/replay/index.ts';
import { reuseSamples, withReuseReport } from '../src/models/reuse-backend.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import type { Backend } from '../src/models/sampler.ts';
import { definePipeline } from '../src/pipeline/define.ts';
import { runPipeline } from '../src/pipeline/engine.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import type { Judge } from '../src/judges/judge.ts';
import { duckRows } from './support/duckdb-query.ts';

async function fixture(prompts: number) {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-incr-'));
  const file = join(dir, `prompts-${prompts}.jsonl`);
  await writeFile(file, Array.from({ length: prompts }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `What is ${i} plus ${i}?`, reference: String(2 * i) })).join('\n') + '\n');
  const rec = join(dir, 'recorded.jsonl');
  const rows = [];
  for (let i = 0; i < 6; i++) for (let k = 0; k < 2; k++) rows.push({ prompt_id: `p${i}`, index: k, text: `<think>add ${i} and ${i}</think>\n<answer>${k === 0 ? 2 * i : 2 * i + 1}</answer>`, finish_reason: 'stop', completion_tokens: 9 });
  await writeFile(rec, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { dir, file, rec };
}

const pipeline = (promptsFile: string, backend: Backend, judges: Judge[]) =>
  definePipeline({ name: 'incr', sources: [jsonl(promptsFile, { name: 'prompts' })], backend, generation: { k: 2 }, judges, selection: keepAccepted({ maxPerPrompt: 1 }) });

async function samples(dir: string): Promise<Record<string, string>> {
  const rows = await duckRows(`SELECT key, response FROM read_parquet('${dir}/samples/*.parquet') ORDER BY key`);
  return Object.fromEntries(rows.map(([k, r]) => [String(k), String(r)]));
}

test('a nightly build over a grown prompt set reuses every stored sample, generates only the new ones, re-judges when the judges change', async () => {
  const small = await fixture(4);
  const grown = await fixture(6);
  const judges = () => [exactAnswerJudge({ name: 'answer' })];
  const out1 = join(small.dir, 'night1');
  await runPipeline(pipeline(small.file, replay({ file: small.rec }), judges()), { out: out1 });

  // Night 2: two more prompts, same generation config and judges.
  const out2 = join(grown.dir, 'night2');
  const reuse2 = reuseSamples(out1, replay({ file: grown.rec }), { judges: judges().map((j) => j.describe()) });
  const fresh = replay({ file: grown.rec });
  assert.deepEqual(reuse2.describe(), fresh.describe(), 'same identity: same sample keys as a fresh build');
  const p2 = pipeline(grown.file, reuse2, judges());
  await runPipeline(p2, { out: out2, store: withReuseReport(openParquetBuildStore(out2, p2.output), reuse2) });
  assert.deepEqual({ ...((await readManifest(out2))!.report!.incremental as object), previous: '' }, { reused: 8, generated: 4, rejudged: 0, previous: '', judgesChanged: false });
  assert.deepEqual({ ...reuse2.counts(), previous: '' }, { reused: 8, generated: 4, rejudged: 0, previous: '', judgesChanged: false });
  const s1 = await samples(out1);
  const s2 = await samples(out2);
  assert.equal(Object.keys(s2).length, 12);
  for (const [k, v] of Object.entries(s1)) assert.equal(s2[k], v, `${k} reused as stored`);

  // Night 3: the judges changed (a format judge added): stored samples are re-judged, nothing is generated.
  const out3 = join(grown.dir, 'night3');
  const judges3 = () => [formatJudge(), exactAnswerJudge({ name: 'answer' })];
  const reuse3 = reuseSamples(out2, replay({ file: grown.rec }), { judges: judges3().map((j) => j.describe()) });
  await runPipeline(pipeline(grown.file, reuse3, judges3()), { out: out3 });
  assert.deepEqual({ ...reuse3.counts(), previous: '' }, { reused: 12, generated: 0, rejudged: 12, previous: '', judgesChanged: true });
  const judged = await duckRows(`SELECT count(*) FROM read_parquet('${out3}/samples/*.parquet') WHERE list_contains(list_transform(verdicts, v -> v.judge), 'format')`);
  assert.equal(Number(judged[0][0]), 12);
});

test('reuse refuses a directory that is not a build', async () => {
  const f = await fixture(1);
  const b = reuseSamples(join(f.dir, 'nope'), replay({ file: f.rec }));
  await assert.rejects(b.open(), /has no manifest\.json; give the directory of a previous build/);
});
