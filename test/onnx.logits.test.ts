import assert from 'node:assert/strict';
import { test } from 'node:test';
import { greedyToken, logitsProcessors, sampleToken } from '../src/models/onnx/logits/index.ts';
import { MinP } from '../src/models/onnx/logits/min-p.ts';
import { RepetitionPenalty } from '../src/models/onnx/logits/repetition-penalty.ts';
import { Temperature } from '../src/models/onnx/logits/temperature.ts';
import { TopK } from '../src/models/onnx/logits/top-k.ts';
import { TopP } from '../src/models/onnx/logits/top-p.ts';
import { SampleRng } from '../src/models/onnx/rng.ts';
import { halvesToFloats } from '../src/models/onnx/float16.ts';

const kept = (l: Float32Array) => [...l].flatMap((v, i) => (v === -Infinity ? [] : [i]));

test('top-k keeps the k largest logits', () => {
  const l = Float32Array.from([1, 5, 3, 4, 2]);
  new TopK(2).apply(l);
  assert.deepEqual(kept(l), [1, 3]);
});

test('top-p keeps the smallest set reaching the mass, at least one token', () => {
  const probs = [0.5, 0.3, 0.15, 0.05];
  const l = Float32Array.from(probs.map(Math.log));
  new TopP(0.75).apply(l);
  assert.deepEqual(kept(l), [0, 1]);
  const one = Float32Array.from(probs.map(Math.log));
  new TopP(0.1).apply(one);
  assert.deepEqual(kept(one), [0]);
});

test('min-p keeps tokens with at least minP of the top probability', () => {
  const l = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
  new MinP(0.25).apply(l); // floor 0.125
  assert.deepEqual(kept(l), [0, 1, 2]);
});

test('repetition penalty divides positive and multiplies negative logits of seen tokens, once each', () => {
  const l = Float32Array.from([2, -2, 2]);
  new RepetitionPenalty(2).apply(l, [0, 1, 1]);
  assert.deepEqual([...l], [1, -4, 2]);
});

test('temperature scales logits; temperature 0 leaves only the penalty (greedy)', () => {
  const l = Float32Array.from([2, 4]);
  new Temperature(0.5).apply(l);
  assert.deepEqual([...l], [4, 8]);
  assert.deepEqual(logitsProcessors({ temperature: 0, topK: 5, topP: 0.5, minP: 0.1, repetitionPenalty: 1.2 }).map((p) => p.name), ['repetition_penalty']);
  assert.deepEqual(logitsProcessors({ temperature: 0.7, topK: 5, topP: 0.5, minP: 0.1, repetitionPenalty: 1 }).map((p) => p.name), ['temperature', 'top_k', 'top_p', 'min_p']);
});

test('greedy takes the first maximum; sampling follows the cumulative distribution', () => {
  assert.equal(greedyToken(Float32Array.from([1, 3, 3])), 1);
  const l = Float32Array.from([0.25, 0.5, 0.25].map(Math.log));
  assert.equal(sampleToken(l, 0.1), 0);
  assert.equal(sampleToken(l, 0.3), 1);
  assert.equal(sampleToken(l, 0.9), 2);
  const masked = Float32Array.from([Math.log(0.5), -Infinity, Math.log(0.5)]);
  assert.notEqual(sampleToken(masked, 0.5), 1);
});

test('the random stream depends on the sample key only', () => {
  const draw = (key: string) => { const r = new SampleRng(key); return [r.next(), r.next(), r.next()]; };
  assert.deepEqual(draw('p#0@h'), draw('p#0@h'));
  assert.notDeepEqual(draw('p#0@h'), draw('p#1@h'));
  const r = new SampleRng('x');
  let sum = 0;
  for (let i = 0; i < 10000; i++) { const u = r.next(); assert.ok(u >= 0 && u < 1); sum += u; }
  assert.ok(Math.abs(sum / 10000 - 0.5) < 0.02);
});

test('float16 halves convert to float32', () => {
  const out = halvesToFloats(Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x0000]), 0, 6, new Float32Array(6));
  assert.deepEqual([...out.slice(0, 2)], [1, -2]);
  assert.ok(Math.abs(out[2] - 0.33325) < 1e-4);
  assert.equal(out[3], 2 ** -24);
  assert.equal(out[4], Infinity);
  assert.equal(out[5], 0);
});
