import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { duck, repoRoot, runCli, tempWorkdir, writeGsm8kPrompts, writeRecordings } from './support/engine-fixture.ts';

const src = (p: string) => pathToFileURL(path.join(repoRoot, p)).href;

/**
 * Selection on a small real build (replayed samples → exact + format + generative fallback → keepAccepted with
 * reward, rule-or-judge accept and disagreement labels → Parquet), checked with DuckDB. The generative judge's
 * backend is a TEST DOUBLE written in the pipeline file: a permissive judge that says yes to everything, so
 * every rule failure becomes a recorded disagreement.
 */
test('reward, rule-or-judge acceptance, disagreements and prefs land in the corpora', async () => {
  const dir = tempWorkdir('quality-select');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 6);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 6, 3);
  writeFileSync(
    path.join(dir, 'pipeline.ts'),
    `import { definePipeline } from '${src('src/pipeline/define.ts')}';
import { jsonl } from '${src('src/sources/jsonl.ts')}';
import { replay } from '${src('src/models/replay/index.ts')}';
import { exactAnswerJudge } from '${src('src/judges/exact-answer.ts')}';
import { formatJudge } from '${src('src/judges/format.ts')}';
import { generativeJudge } from '${src('src/judges/generative/index.ts')}';
import { keepAccepted } from '${src('src/select/keep-accepted.ts')}';
import { reward } from '${src('src/select/reward.ts')}';
import { ruleOrJudgeAccept, ruleJudgeDisagreement } from '${src('src/select/rule-or-judge.ts')}';
const yesJudge = { kind: 'yes-double', describe: () => ({ kind: 'yes-double' }), batchSize: 8, concurrency: 1,
  open: async () => ({ model: 'yes-double', close: async () => {}, generate: async (reqs) => reqs.map((r) => ({ promptId: r.prompt.id, index: 0, prefill: '', text: '<think>ok</think><answer>yes</answer>', finishReason: 'stop', promptTokens: 1, completionTokens: 1, error: null })) }) };
const rule = { rule: 'exact', judge: 'generative' };
export default definePipeline({
  name: 'quality-select',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url), { domain: 'math' })],
  backend: replay({ file: new URL('./recordings.jsonl', import.meta.url), batchSize: 4, concurrency: 1 }),
  generation: { k: 3, temperature: 0.6 },
  judges: [exactAnswerJudge(), formatJudge(), generativeJudge({ sampler: yesJudge, mode: 'correctness', when: 'rule-failed', ruleJudge: 'exact' })],
  selection: keepAccepted({ accept: ruleOrJudgeAccept(rule), disagreement: ruleJudgeDisagreement(rule), reward: reward({ accuracyJudges: ['exact'] }), maxPerPrompt: 2, prefer: 'reward', prefsPerPrompt: 1, id: 'exact-or-generative' }),
  output: { commitEverySeconds: 0 },
});
`,
  );
  const out = path.join(dir, 'out');
  const r = await runCli(['run', path.join(dir, 'pipeline.ts'), '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const s = `read_parquet('${out}/samples/*.parquet')`;
  const [tot] = await duck<{ n: number; acc: number; dis: number; minr: number; maxr: number }>(`SELECT count(*)::INT n, sum(accepted::INT)::INT acc, count(disagreement)::INT dis, min(reward) minr, max(reward) maxr FROM ${s}`);
  // writeRecordings: sample k of prompt i is right when (i + k) % 3 !== 0 → 6 of 18 wrong, all recovered by the permissive judge
  assert.deepEqual(tot, { n: 18, acc: 18, dis: 6, minr: 0.1, maxr: 0.9 });
  const labels = await duck<{ d: string }>(`SELECT DISTINCT disagreement d FROM ${s} WHERE disagreement IS NOT NULL`);
  assert.deepEqual(labels, [{ d: 'exact:fail/generative:pass' }]);
  // best by reward: the exact-correct samples (0.9) are selected before the recovered ones (0.1)
  const perPrompt = await duck<{ m: number }>(`SELECT max(c)::INT m FROM (SELECT prompt_id, count(*) c FROM ${s} WHERE selected GROUP BY prompt_id)`);
  assert.equal(perPrompt[0].m, 2);
  const [low] = await duck<{ n: number }>(`SELECT count(*)::INT n FROM ${s} WHERE selected AND reward < 0.5`);
  assert.equal(low.n, 0);
  const [sft] = await duck<{ n: number }>(`SELECT count(*)::INT n FROM read_parquet('${out}/sft/*.parquet')`);
  assert.equal(sft.n, 12);
});
