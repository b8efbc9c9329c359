import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prompt } from '../schemas/prompt.ts';
import { GenerationConfig } from '../schemas/generation.ts';
import { sampleKey } from '../schemas/sample.ts';
import { generationHash } from '../src/pipeline/config-hash.ts';
import { splitResponse } from '../schemas/response.ts';

test('Prompt fills defaults and rejects an empty id', () => {
  const p = Prompt.parse({ id: 'a', messages: [{ role: 'user', content: 'hi' }], source: 's' });
  assert.equal(p.reference, null);
  assert.equal(p.domain, 'general');
  assert.equal(Prompt.safeParse({ id: '', messages: [{ role: 'user', content: 'x' }], source: 's' }).success, false);
});

test('generation hash ignores k and key order, changes with temperature', () => {
  const a = GenerationConfig.parse({ k: 4, temperature: 0.8 });
  const b = GenerationConfig.parse({ temperature: 0.8, k: 8 });
  const c = GenerationConfig.parse({ temperature: 0.7 });
  assert.equal(generationHash({ kind: 'x' }, a), generationHash({ kind: 'x' }, b));
  assert.notEqual(generationHash({ kind: 'x' }, a), generationHash({ kind: 'x' }, c));
  assert.equal(sampleKey('p1', 3, 'abc'), 'p1#3@abc');
});

test('splitResponse takes the answer after the last </think>', () => {
  assert.deepEqual(splitResponse('<think>a\nb</think>\n42'), { reasoning: 'a\nb', answer: '42', thinkClosed: true });
  assert.deepEqual(splitResponse('<think>cut off'), { reasoning: 'cut off', answer: '', thinkClosed: false });
});

test('finalAnswer reads an <answer> whose closing tag a stop string ate, and narrows to its last box', async () => {
  const { finalAnswer } = await import('../schemas/response.ts');
  assert.equal(finalAnswer('<think>r</think>\n<answer>19'), '19');
  assert.equal(finalAnswer('<think>r</think><answer>so \\boxed{\\frac{1}{2}}</answer>'), '\\frac{1}{2}');
  assert.equal(finalAnswer('<think>r</think><answer></answer> 7'), '<answer></answer> 7');
});
