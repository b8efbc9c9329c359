import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFormat, formatJudge, judgeFormat } from '../src/judges/format.ts';
import { Prompt } from '../schemas/prompt.ts';
import type { Sample } from '../schemas/sample.ts';

const sample = (text: string, extra: Partial<Sample> = {}): Sample => ({
  key: 'p#0@h', promptId: 'p', index: 0, configHash: 'h', prefill: '', text, finishReason: 'stop',
  promptTokens: 1, completionTokens: 1, model: 'm', error: null, ...extra,
});

test('well-formed R1 responses pass', () => {
  assert.deepEqual(checkFormat('<think>\n2 + 2 is 4.\n</think>\n\nThe answer is 4.').problems, []);
  assert.deepEqual(checkFormat('  <think>add them</think>So: <answer>4</answer>\n').problems, []);
  const tagged = checkFormat('<think>12 乘以 3 等于 36。</think>\n<answer>36</answer>');
  assert.deepEqual(tagged.problems, []);
  assert.equal(tagged.answer, '36');
  assert.equal(tagged.answerTagged, true);
});

test('each malformation fails with its own reason', () => {
  const cases: [string, RegExp][] = [
    ['The answer is 4.', /no <think>/],
    ['Sure! <think>x</think>4', /text before <think>/],
    ['<think>a</think><think>b</think>4', /2 <think> tags/],
    ['<think>still thinking about it', /never closed/],
    ['<think>  </think>4', /empty reasoning/],
    ['<think>x</think>   ', /no final answer/],
    ['<Think>x</Think>4', /lowercase/],
    ['<think>x</think><answer>4</answer> and more', /text after <\/answer>/],
    ['<think>x</think><answer>4</answer><answer>5</answer>', /expected at most one pair/],
    ['<think>x</think><answer>4', /<answer> never closed/],
    ['<think>x</think><answer> </answer>', /empty <answer>/],
    ['<think>x <answer>4</answer></think>4', /inside the reasoning/],
    ['</think>x<think>4', /comes before/],
  ];
  for (const [text, why] of cases) {
    const v = judgeFormat(sample(text));
    assert.equal(v.verdict, 'fail', text);
    assert.match(v.reason, why, text);
    assert.equal(v.score, 0);
  }
});

test('prefilledThink prepends the tag the template put in the assistant turn', () => {
  assert.equal(judgeFormat(sample('reasoning here</think>42')).verdict, 'fail');
  assert.equal(judgeFormat(sample('reasoning here</think>42'), { prefilledThink: true }).verdict, 'pass');
  // already present (in the prefill or the text): not doubled
  assert.equal(judgeFormat(sample('reasoning</think>42', { prefill: '<think>\n' }), { prefilledThink: true }).verdict, 'pass');
  assert.equal(judgeFormat(sample('<think>r</think>42'), { prefilledThink: true }).verdict, 'pass');
});

test('a backend error is an error verdict, not a fail', () => {
  const v = judgeFormat(sample('', { finishReason: 'error', error: 'timeout' }));
  assert.equal(v.verdict, 'error');
  assert.match(v.reason, /timeout/);
});

test('formatJudge is a Judge over all samples of a prompt', async () => {
  const j = formatJudge({ prefilledThink: true });
  assert.deepEqual(j.describe(), { name: 'format', prefilledThink: true });
  const p = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], source: 't' });
  const vs = await j.judge(p, [sample('a</think>1'), sample('a')], { previous: [] });
  assert.deepEqual(vs.map((v) => v?.verdict), ['pass', 'fail']);
});
