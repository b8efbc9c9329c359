import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { formatJudge } from '../src/judges/format.ts';
import { replay } from '../src/models/replay/index.ts';
import { PreviousBuild } from '../src/pipeline/reuse.ts';
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

/** A judge that counts the samples it is asked to judge (a generative judge would pay for each). */
function counted(judge: Judge, calls: { n: number }): Judge {
  return { ...judge, judge: (p, samples, ctx) => ((calls.n += samples.length), judge.judge(p, samples, ctx)) };
}

/** Every samples row (verdicts included) as JSON text, by key. */
async function sampleRows(dir: string): Promise<Record<string, string>> {
  const rows = await duckRows(`SELECT key, to_json(s) FROM read_parquet('${dir}/samples/*.parquet') s ORDER BY key`);
  return Object.fromEntries(rows.map(([k, r]) => [String(k), String(r)]));
}

test('a nightly build over a grown prompt set reuses every stored sample and verdict, generates and judges only the new ones, re-judges when the judges change', async () => {
  const small = await fixture(4);
  const grown = await fixture(6);
  const judges = () => [exactAnswerJudge({ name: 'answer' })];
  const grouping = { k: 2, target: null };
  const out1 = join(small.dir, 'night1');
  await runPipeline(pipeline(small.file, replay({ file: small.rec }), judges()), { out: out1 });

  // Night 2: two more prompts, same generation config and judges: only the 4 new samples are judged.
  const out2 = join(grown.dir, 'night2');
  const calls2 = { n: 0 };
  const p2 = pipeline(grown.file, replay({ file: grown.rec }), [counted(judges()[0], calls2)]);
  const report2 = await runPipeline(p2, { out: out2, store: openParquetBuildStore(out2, p2.output), reuse: out1 });
  const expected2 = { reused: 8, generated: 4, rejudged: 0, verdictsKept: 8, judgesReused: 1, previous: '', judgesChanged: false };
  assert.deepEqual({ ...((await readManifest(out2))!.report!.incremental as object), previous: '' }, expected2);
  assert.deepEqual({ ...report2.incremental!, previous: '' }, expected2);
  assert.equal(calls2.n, 4, 'the judge saw only the new samples');
  const s1 = await samples(out1);
  const s2 = await samples(out2);
  assert.equal(Object.keys(s2).length, 12);
  for (const [k, v] of Object.entries(s1)) assert.equal(s2[k], v, `${k} reused as stored`);
  // Kept verdicts are the verdicts a fresh build gives: every samples row equals a from-scratch build's.
  const scratch = join(grown.dir, 'scratch');
  await runPipeline(pipeline(grown.file, replay({ file: grown.rec }), judges()), { out: scratch });
  assert.deepEqual(await sampleRows(out2), await sampleRows(scratch));

  // Night 3: the judges changed (a format judge added in front): stored samples are re-judged, nothing is generated.
  const out3 = join(grown.dir, 'night3');
  const judges3 = () => [formatJudge(), exactAnswerJudge({ name: 'answer' })];
  const report3 = await runPipeline(pipeline(grown.file, replay({ file: grown.rec }), judges3()), { out: out3, reuse: out2 });
  assert.deepEqual({ ...report3.incremental!, previous: '' }, { reused: 12, generated: 0, rejudged: 12, verdictsKept: 0, judgesReused: 0, previous: '', judgesChanged: true });
  const judged = await duckRows(`SELECT count(*) FROM read_parquet('${out3}/samples/*.parquet') WHERE list_contains(list_transform(verdicts, v -> v.judge), 'format')`);
  assert.equal(Number(judged[0][0]), 12);

  // Night 4: a judge appended after the unchanged one: the stored "answer" verdicts stand, only "format" runs.
  const out4 = join(grown.dir, 'night4');
  const calls4 = { n: 0 };
  const judges4 = () => [exactAnswerJudge({ name: 'answer' }), formatJudge()];
  const report4 = await runPipeline(pipeline(grown.file, replay({ file: grown.rec }), [counted(judges4()[0], calls4), judges4()[1]]), { out: out4, reuse: out2 });
  assert.deepEqual({ ...report4.incremental!, previous: '' }, { reused: 12, generated: 0, rejudged: 12, verdictsKept: 0, judgesReused: 1, previous: '', judgesChanged: true });
  assert.equal(calls4.n, 0, 'the unchanged judge was not asked again');
  const scratch4 = join(grown.dir, 'scratch4');
  await runPipeline(pipeline(grown.file, replay({ file: grown.rec }), judges4()), { out: scratch4 });
  assert.deepEqual(await sampleRows(out4), await sampleRows(scratch4));

  // Another grouping (k = 2 then k = 3 would judge other groups): nothing is kept.
  const reuse5 = await PreviousBuild.open(out2, { judges: judges().map((j) => j.describe()), grouping: { k: 3, target: null } });
  reuse5.close();
  assert.equal(reuse5.counts().judgesReused, 0);
  const reuse6 = await PreviousBuild.open(out2, { judges: judges().map((j) => j.describe()), grouping });
  reuse6.close();
  assert.equal(reuse6.counts().judgesReused, 1, 'the same grouping keeps the unchanged judge');
});

test('reuse refuses a directory that is not a build', async () => {
  const f = await fixture(1);
  await assert.rejects(PreviousBuild.open(join(f.dir, 'nope')), /has no manifest\.json; give the directory of a previous build/);
  const p = pipeline(f.file, replay({ file: f.rec }), [exactAnswerJudge()]);
  await assert.rejects(runPipeline(p, { out: join(f.dir, 'out'), reuse: join(f.dir, 'nope') }), /has no manifest\.json/);
});
