import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Prompt } from '../schemas/prompt.ts';
import type { Verdict } from '../schemas/verdict.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { formatJudge } from '../src/judges/format.ts';
import { generativeJudge } from '../src/judges/generative/index.ts';
import type { Judge } from '../src/judges/judge.ts';
import { onlyDomains } from '../src/judges/domain-gate.ts';
import { replay } from '../src/models/replay/index.ts';
import { ConfigError } from '../schemas/config-error.ts';
import { pipelineConfigJson } from '../src/pipeline/config-hash.ts';
import { definePipeline } from '../src/pipeline/define.ts';
import { judgeGroup } from '../src/pipeline/judge-group.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { reward } from '../src/select/reward.ts';
import { ruleJudgeDisagreement, ruleOrJudgeAccept } from '../src/select/rule-or-judge.ts';
import type { SelectionPolicy } from '../src/select/policy.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { tempWorkdir, writeGsm8kPrompts, writeRecordings } from './support/engine-fixture.ts';

function parts(t: { after(fn: () => void): void }) {
  const dir = tempWorkdir('judge-names');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeGsm8kPrompts(path.join(dir, 'p.jsonl'), 2);
  writeRecordings(path.join(dir, 'rec.jsonl'), 2, 2);
  const backend = replay({ file: path.join(dir, 'rec.jsonl') });
  const define = (judges: Judge[], selection: SelectionPolicy = keepAccepted()) => definePipeline({ name: 'names', sources: [jsonl(path.join(dir, 'p.jsonl'))], backend, generation: { k: 2 }, judges, selection });
  return { define, backend };
}

/** A judge renamed the way pipelines/r1-800k.ts renames the general copies (its code still says "format"). */
const renamed = (j: Judge, name: string): Judge => ({ ...j, name, describe: () => ({ ...j.describe(), name }) });

test('judge names: a verdict is recorded under the name its judge is registered under', async () => {
  const prompt = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], reference: '2', source: 't' });
  const sample = { key: 'p#0@c', promptId: 'p', index: 0, configHash: 'c', model: 'm', prefill: '<think>\n', text: 'one and one.\n</think>\n\nThe answer is \\boxed{2}.', finishReason: 'stop' as const, promptTokens: 3, completionTokens: 9, error: null };
  const [verdicts] = await judgeGroup([exactAnswerJudge(), renamed(formatJudge({ prefilledThink: true }), 'format-general')], prompt, [sample]);
  assert.deepEqual(verdicts.map((v: Verdict) => v.judge), ['exact', 'format-general']);
});

test('judge names: definePipeline refuses a selection or a judge that reads an unknown judge, naming the nearest one', (t) => {
  const { define, backend } = parts(t);
  const judges = () => [exactAnswerJudge(), formatJudge()];
  assert.throws(
    () => define(judges(), keepAccepted({ reward: reward({ accuracyJudges: ['exakt'] }) })),
    (e: Error) => e instanceof ConfigError && /selection reads the verdicts of judge "exakt", which is not in judges \("exact", "format"\); did you mean "exact"\?/.test(e.message),
  );
  assert.throws(() => define(judges(), keepAccepted({ accept: ruleOrJudgeAccept({ rule: 'exact', judge: 'generative' }) })), /judge "generative", which is not in judges/);
  const fallback = (ruleJudge: string) => onlyDomains(['general'], generativeJudge({ sampler: backend, mode: 'correctness', when: 'rule-failed', ruleJudge }));
  assert.throws(() => define([exactAnswerJudge(), fallback('mathh')]), /judges\.1 \("generative"\) reads the verdicts of judge "mathh", which is not in judges/);
  assert.throws(() => define([fallback('exact'), exactAnswerJudge()]), /judges\.0 \("generative"\) reads the verdicts of judge "exact", which runs after it/);
  // Names that exist pass; the default reward lists are alternatives and are not required.
  define([exactAnswerJudge(), fallback('exact')], keepAccepted({ accept: ruleOrJudgeAccept({ rule: 'exact', judge: 'generative' }), disagreement: ruleJudgeDisagreement({ rule: 'exact', judge: 'generative' }), reward: reward() }));
});

test('judge names: a custom accept or disagreement function is in the config by its code, not only its id', (t) => {
  const { define } = parts(t);
  const config = (selection: SelectionPolicy) => JSON.stringify(pipelineConfigJson(define([exactAnswerJudge(), renamed(exactAnswerJudge(), 'other')], selection)));
  const strict = (vs: readonly Verdict[]) => vs.every((v) => v.verdict === 'pass');
  const lenient = (vs: readonly Verdict[]) => vs.some((v) => v.verdict === 'pass');
  assert.notEqual(config(keepAccepted({ accept: strict, id: 'mine' })), config(keepAccepted({ accept: lenient, id: 'mine' })), 'edited code, same id: another config');
  assert.equal(config(keepAccepted({ accept: strict, id: 'mine' })), config(keepAccepted({ accept: (vs: readonly Verdict[]) => vs.every((v) => v.verdict === 'pass'), id: 'mine' })), 'the same code: the same config');
  assert.notEqual(config(keepAccepted({ disagreement: () => null })), config(keepAccepted({ disagreement: () => 'x' })));
  // Functions made by a factory differ by their options, not their (shared) code.
  const rule = (r: string) => config(keepAccepted({ accept: ruleOrJudgeAccept({ rule: r, judge: 'exact' }) }));
  assert.notEqual(rule('exact'), rule('other'));
  assert.notEqual(config(keepAccepted({ reward: reward({ weights: { accuracy: 1 } }) })), config(keepAccepted({ reward: reward({ weights: { accuracy: 0.5 } }) })));
  // A policy without custom functions keeps the config it had.
  assert.equal(JSON.stringify(keepAccepted().describe()), JSON.stringify({ policy: 'keepAccepted', maxPerPrompt: 1, prefer: 'reward', passRateBand: [0, 1], prefsPerPrompt: 0, custom: null }));
});
