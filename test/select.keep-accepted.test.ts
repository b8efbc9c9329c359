import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import type { JudgedSample } from '../src/select/policy.ts';
import { Prompt } from '../schemas/prompt.ts';
import { verdict } from '../schemas/verdict.ts';

const prompt = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], source: 't' });
function js(index: number, text: string, v: 'pass' | 'fail' | 'error'): JudgedSample {
  return {
    sample: { key: `p#${index}@h`, promptId: 'p', index, configHash: 'h', prefill: '', text, finishReason: 'stop', promptTokens: 1, completionTokens: 1, model: 'm', error: null },
    verdicts: [verdict('exact', v, v, { category: v === 'pass' ? 'ok' : v === 'fail' ? 'wrong_answer' : 'no_reference' })],
  };
}

test('keeps the shortest accepted samples up to maxPerPrompt and pairs prefs', () => {
  const pol = keepAccepted({ maxPerPrompt: 2, prefer: 'shortest', prefsPerPrompt: 1 });
  const r = pol.select(prompt, [js(0, 'long answer', 'pass'), js(1, 'no', 'fail'), js(2, 'short', 'pass'), js(3, 'x', 'error'), js(4, 'mid one', 'pass')]);
  assert.deepEqual(r.decisions.map((d) => d.accepted), [true, false, true, false, true]);
  assert.deepEqual(r.selected, [2, 4]);
  assert.deepEqual(r.prefs, [[2, 1]]); // best accepted vs first rejected (the error sample 3 is rejected too)
});

test('a prompt outside the pass-rate band keeps nothing', () => {
  const pol = keepAccepted({ maxPerPrompt: 4, passRateBand: [0.1, 0.9] });
  const r = pol.select(prompt, [js(0, 'a', 'pass'), js(1, 'b', 'pass')]);
  assert.deepEqual(r.selected, []);
  assert.equal(r.decisions.filter((d) => d.accepted).length, 2);
});

test('an error verdict is never accepted', () => {
  const r = keepAccepted().select(prompt, [js(0, 'a', 'error')]);
  assert.equal(r.decisions[0].accepted, false);
});
