import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GenerationConfig } from '../schemas/generation.ts';
import { Prompt } from '../schemas/prompt.ts';
import { sampleKey, type Sample } from '../schemas/sample.ts';
import { verdict } from '../schemas/verdict.ts';
import { shapePrompt, withinQuota } from '../src/pipeline/shape.ts';
import type { JudgedPrompt } from '../src/pipeline/sample-judge.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import type { SelectionPolicy } from '../src/select/policy.ts';

const generation = GenerationConfig.parse({ k: 4 });
const ctx = { generation, configHash: 'cfg' };
const prompt = Prompt.parse({ id: 'p1', messages: [{ role: 'user', content: 'What is 1 + 1?' }], reference: '2', domain: 'math', source: 't' });

/** Four judged samples of p1: 0 and 2 right (exact pass), 1 and 3 wrong. */
function judged(): JudgedPrompt {
  const sample = (index: number, answer: number): Sample => ({ key: sampleKey('p1', index, 'cfg'), promptId: 'p1', index, configHash: 'cfg', model: 'm', prefill: '<think>\n', text: `1 and 1 make ${answer}.\n</think>\n\nThe answer is \\boxed{${answer}}.`, finishReason: 'stop', promptTokens: 9, completionTokens: 12 + index, error: null });
  return {
    prompt,
    judged: [2, 3, 2, 5].map((a, i) => ({ sample: sample(i, a), verdicts: [a === 2 ? verdict('exact', 'pass', 'equal') : verdict('exact', 'fail', `got ${a}`, { category: 'wrong_answer' })] })),
    failed: null,
    resampled: true,
  };
}

test('shape: the policy picks, rows are made for every corpus; verdicts and the resampled flag carried', () => {
  const out = shapePrompt(judged(), keepAccepted({ maxPerPrompt: 2, prefsPerPrompt: 1 }), ctx);
  assert.equal(out.kind, 'prompt');
  if (out.kind !== 'prompt') return;
  assert.equal(out.rows.samples.length, 4);
  assert.deepEqual(out.rows.samples.map((r) => [r.accepted, r.selected]), [[true, true], [false, false], [true, true], [false, false]]);
  assert.equal(out.rows.sft.length, 2);
  assert.equal(out.rows.distill.length, 2);
  assert.equal(out.rows.prefs.length, 1);
  assert.deepEqual(out.verdicts.map((v) => v[0].verdict), ['pass', 'fail', 'pass', 'fail']);
  assert.equal(out.resampled, true);
});

test('shape: a prompt whose samples failed on the backend stays not done; a throwing policy names the prompt', () => {
  assert.deepEqual(shapePrompt({ ...judged(), failed: 'connection reset' }, keepAccepted(), ctx), { kind: 'failed', prompt, reason: 'connection reset' });
  const broken: SelectionPolicy = {
    describe: () => ({}),
    select: () => {
      throw new Error('no reward');
    },
  };
  assert.throws(() => shapePrompt(judged(), broken, ctx), /selection policy failed on prompt "p1": no reward/);
});

test('shape: a quota trims the prompt that meets it and refuses the prompts after it', () => {
  const out = shapePrompt(judged(), keepAccepted({ maxPerPrompt: 2 }), ctx);
  if (out.kind !== 'prompt') throw new Error('expected rows');
  assert.equal(withinQuota(out.rows, undefined, 'math', 1000), out.rows, 'no quota: untouched');
  assert.equal(withinQuota(out.rows, { math: 10 }, 'math', 3), out.rows, 'room for both');
  const trimmed = withinQuota(out.rows, { math: 10 }, 'math', 9)!;
  assert.equal(trimmed.sft.length, 1);
  assert.equal(trimmed.distill.length, 1);
  assert.equal(trimmed.samples.filter((r) => r.selected).length, 1);
  assert.equal(trimmed.samples.length, 4, 'every sample stays in the samples corpus');
  assert.equal(withinQuota(out.rows, { math: 10 }, 'math', 10), null);
});
