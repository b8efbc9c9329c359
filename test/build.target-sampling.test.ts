import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { replay } from '../src/models/replay/index.ts';
import { definePipeline } from '../src/pipeline/define.ts';
import { runPipeline } from '../src/pipeline/engine.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { duckRows } from './support/duckdb-query.ts';

/** Prompt i's sample j is right when j >= firstRight[i] (never when firstRight is 99). */
async function fixture(firstRight: number[], domains: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-target-'));
  const prompts = join(dir, 'prompts.jsonl');
  await writeFile(prompts, firstRight.map((_, i) => JSON.stringify({ id: `p${i}`, prompt: `q${i}`, reference: '7', domain: domains[i] })).join('\n') + '\n');
  const rec = join(dir, 'rec.jsonl');
  const rows = firstRight.flatMap((fr, i) => Array.from({ length: 8 }, (_, j) => ({ prompt_id: `p${i}`, index: j, text: `<think>t</think><answer>${j >= fr ? 7 : 6}</answer>`, completion_tokens: 5 })));
  await writeFile(rec, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return { dir, prompts, rec };
}

test('target-driven sampling: rounds until m accepted or the budget; samples spent per selected example reported', async () => {
  const f = await fixture([0, 2, 99, 5], ['math', 'math', 'math', 'math']);
  const out = join(f.dir, 'out');
  const report = await runPipeline(
    definePipeline({
      name: 'target', sources: [jsonl(f.prompts, { mapping: { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain' } })], backend: replay({ file: f.rec, batchSize: 2 }),
      generation: { k: 2 }, target: { accepted: 1, budget: 4, round: 1 }, judges: [exactAnswerJudge()], selection: keepAccepted({ maxPerPrompt: 1 }),
    }),
    { out },
  );
  const per = await duckRows(`SELECT prompt_id, count(*), max(sample_index), sum(accepted::int) FROM read_parquet('${out}/samples/*.parquet') GROUP BY 1 ORDER BY 1`);
  // p0 right at once (1 sample); p1 at its third (3); p2 never (budget 4); p3 only at index 5 > budget (4)
  assert.deepEqual(per.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3])]), [['p0', 1, 0, 1], ['p1', 3, 2, 1], ['p2', 4, 3, 0], ['p3', 4, 3, 0]]);
  assert.equal(report.sampling.mode, 'target');
  assert.equal(report.sampling.samplesPerSelected, 12 / 2);
  assert.equal(report.sampling.perDomain.math.samplesPerSelected, 6);
});

test('domain quotas: a domain stops once its quota of selected examples is met; the others go on', async () => {
  const f = await fixture([0, 0, 0, 0, 0, 0], ['math', 'math', 'math', 'math', 'code', 'code']);
  const out = join(f.dir, 'out');
  const report = await runPipeline(
    definePipeline({
      name: 'quota', sources: [jsonl(f.prompts, { mapping: { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain' } })], backend: replay({ file: f.rec, batchSize: 1, concurrency: 1 }),
      generation: { k: 2 }, quotas: { math: 2 }, judges: [exactAnswerJudge()], selection: keepAccepted({ maxPerPrompt: 1 }),
    }),
    { out },
  );
  const sft = await duckRows(`SELECT domain, count(*) FROM read_parquet('${out}/sft/*.parquet') GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(sft.map((r) => [r[0], Number(r[1])]), [['code', 2], ['math', 2]]);
  assert.equal(report.sampling.quotaSkipped, 2);
  assert.deepEqual(report.sampling.perDomain.math, { samples: 4, selected: 2, samplesPerSelected: 2, quota: 2, quotaMet: true });
});

test('quotas with several selected samples a prompt: the prompt that meets the quota gives only the rows it has room for', async () => {
  const f = await fixture([0, 0, 0, 0], ['math', 'math', 'math', 'math']);
  const out = join(f.dir, 'out');
  const report = await runPipeline(
    definePipeline({
      name: 'quota-m2', sources: [jsonl(f.prompts, { mapping: { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain' } })], backend: replay({ file: f.rec, batchSize: 1, concurrency: 1 }),
      generation: { k: 2 }, quotas: { math: 3 }, judges: [exactAnswerJudge()], selection: keepAccepted({ maxPerPrompt: 2 }),
    }),
    { out },
  );
  const count = async (corpus: string, where = 'true') => Number((await duckRows(`SELECT count(*) FROM read_parquet('${out}/${corpus}/*.parquet') WHERE ${where}`))[0][0]);
  // p0 gives 2, p1 has room for 1 of its 2; p2 and p3 are over quota
  assert.equal(await count('sft'), 3);
  assert.equal(await count('distill'), 3);
  assert.deepEqual((await duckRows(`SELECT prompt_id, count(*), sum(accepted::int), sum(selected::int) FROM read_parquet('${out}/samples/*.parquet') GROUP BY 1 ORDER BY 1`)).map((r) => r.map(String).join(' ')), ['p0 2 2 2', 'p1 2 2 1']);
  // the sft, distill and selected samples rows are the same samples
  const keys = async (sql: string) => (await duckRows(sql)).map((r) => String(r[0])).sort();
  const selected = await keys(`SELECT key FROM read_parquet('${out}/samples/*.parquet') WHERE selected`);
  assert.deepEqual(await keys(`SELECT id FROM read_parquet('${out}/sft/*.parquet')`), selected);
  assert.deepEqual(await keys(`SELECT id FROM read_parquet('${out}/distill/*.parquet')`), selected);
  assert.equal(report.sampling.perDomain.math.selected, 3);
  assert.equal(report.sampling.perDomain.math.quotaMet, true);
  assert.equal(report.sampling.quotaSkipped, 2);
});
