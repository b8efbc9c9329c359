// The ONNX sampler on the bundled model (real onnxruntime): PyTorch greedy ids, batching, shared prefill,
// reproducibility by sample key, stop rules and token counts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import type { Prompt } from '../schemas/prompt.ts';
import { BUNDLED_MODEL, onnx } from '../src/models/onnx/index.ts';
import { OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';

interface GoldenRow { task: string; messages: Prompt['messages']; prompt_ids: number[]; greedy_ids: number[]; text: string }
const golden: { max_new_tokens: number; rows: GoldenRow[] } = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'golden.json'), 'utf8'));
const EOS = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'config.json'), 'utf8')).eos_token_id as number;
const greedy = GenerationConfig.parse({ temperature: 0, maxTokens: golden.max_new_tokens });
const sampled = GenerationConfig.parse({ temperature: 0.8, maxTokens: 160 });
const prompt = (id: string, content: string): Prompt => ({ id, messages: [{ role: 'user', content }], reference: null, domain: 'math', source: 'test', meta: {} });
const withoutEos = (ids: number[]) => (ids.at(-1) === EOS ? ids.slice(0, -1) : ids);

let sampler: OnnxSampler;
before(async () => { sampler = await OnnxSampler.load(BUNDLED_MODEL, { threads: 1 }); });
after(() => sampler.close());

test('the chat template and tokenizer give the prompt ids PyTorch was given', () => {
  for (const row of golden.rows) {
    const rendered = sampler.tokenizer.render(row.messages);
    assert.equal(rendered.prefill, '<think>\n');
    assert.deepEqual(sampler.tokenizer.encodePrompt(rendered), row.prompt_ids);
  }
});

test('greedy ids equal the PyTorch golden ids exactly, one prompt at a time', async () => {
  for (const row of golden.rows) {
    const [out] = await sampler.generateRows([row.prompt_ids], [{ prompt: 0, key: 'g' }], greedy);
    assert.deepEqual(withoutEos(out.tokenIds), row.greedy_ids, `golden ${row.task}: ${JSON.stringify(row.messages[0].content)}`);
    assert.equal(out.text, row.text);
  }
});

test('a left-padded batch of all golden prompts gives the same ids as one by one', async () => {
  const prompts = golden.rows.map((r) => r.prompt_ids);
  assert.ok(new Set(prompts.map((p) => p.length)).size > 3, 'prompts of different lengths, so padding is exercised');
  const out = await sampler.generateRows(prompts, prompts.map((_, i) => ({ prompt: i, key: `g${i}` })), greedy);
  out.forEach((o, i) => assert.deepEqual(withoutEos(o.tokenIds), golden.rows[i].greedy_ids, `golden row ${i} in a batch`));
});

test('k samples sharing one prefill give exactly the texts of k independent runs with the same keys', async () => {
  const p = prompt('add', 'What is 478 + 356?');
  const keys = Array.from({ length: 8 }, (_, i) => `add#${i}@h`);
  const shared = await sampler.generate([{ prompt: p, indices: keys.map((_, i) => i), keys }], sampled);
  const alone = [];
  for (const [i, key] of keys.entries()) alone.push(...(await sampler.generate([{ prompt: p, indices: [i], keys: [key] }], sampled)));
  const byIndex = (xs: typeof shared) => [...xs].sort((a, b) => a.index - b.index).map((s) => s.text);
  assert.deepEqual(byIndex(shared), byIndex(alone));
  assert.ok(new Set(byIndex(shared)).size > 1, 'temperature 0.8 gives different samples for different keys');
  // ... and in a batch with other prompts (another padding width, rows finishing at other times).
  const mixed = await sampler.generate([
    { prompt: prompt('long', 'Omar has 13 cards and gets 327 more. How many cards does Omar have now?'), indices: [0, 1, 2], keys: ['l0', 'l1', 'l2'] },
    { prompt: p, indices: [5, 2], keys: [keys[5], keys[2]] },
  ], sampled);
  assert.equal(mixed.find((s) => s.promptId === 'add' && s.index === 5)!.text, byIndex(alone)[5]);
  assert.equal(mixed.find((s) => s.promptId === 'add' && s.index === 2)!.text, byIndex(alone)[2]);
});

test('samples report prefill, finish reason and token counts; maxTokens gives "length"', async () => {
  const p = prompt('p', 'Calculate 64 + 27.');
  const [s] = await sampler.generate([{ prompt: p, indices: [0], keys: ['k'] }], greedy);
  assert.equal(s.prefill, '<think>\n');
  assert.equal(s.finishReason, 'stop');
  assert.match(s.text, /<\/think>\n(<answer>.*<\/answer>|\\boxed\{.*\})$/s);
  assert.equal(s.promptTokens, sampler.tokenizer.encodePrompt(sampler.tokenizer.render(p.messages)).length);
  assert.equal(s.completionTokens, sampler.tokenizer.encode(s.text).length + 1); // + the EOS
  const [short] = await sampler.generate([{ prompt: p, indices: [0], keys: ['k'] }], { ...greedy, maxTokens: 5 });
  assert.equal(short.finishReason, 'length');
  assert.equal(short.completionTokens, 5);
  assert.equal(short.text, s.text.slice(0, short.text.length));
});

test('a stop string ends the sample before it', async () => {
  const p = prompt('p', 'Calculate 64 + 27.');
  const [full] = await sampler.generate([{ prompt: p, indices: [0], keys: ['k'] }], greedy);
  const [cut] = await sampler.generate([{ prompt: p, indices: [0], keys: ['k'] }], { ...greedy, stop: ['</think>'] });
  assert.equal(cut.finishReason, 'stop');
  assert.equal(cut.text, full.text.slice(0, full.text.indexOf('</think>')));
  assert.ok(cut.completionTokens < full.completionTokens);
});

test('sampling rules change what is drawn; a fixed key reproduces it', async () => {
  const p = prompt('p', 'Reverse the word: kowil');
  const run = (config: GenerationConfig) => sampler.generate([{ prompt: p, indices: [0, 1, 2, 3], keys: ['a', 'b', 'c', 'd'] }], config);
  const hot = GenerationConfig.parse({ temperature: 3, maxTokens: 30 });
  const a = await run(hot);
  assert.deepEqual((await run(hot)).map((s) => s.text), a.map((s) => s.text));
  const topK1 = await run({ ...hot, topK: 1 });
  const [greedyOut] = await sampler.generate([{ prompt: p, indices: [0], keys: ['z'] }], { ...hot, temperature: 0 });
  for (const s of topK1) assert.equal(s.text, greedyOut.text, 'top-k 1 is greedy');
  const tinyP = await run({ ...hot, topP: 1e-6 });
  for (const s of tinyP) assert.equal(s.text, greedyOut.text, 'top-p near 0 is greedy');
  const minP1 = await run({ ...hot, minP: 1 });
  for (const s of minP1) assert.equal(s.text, greedyOut.text, 'min-p 1 is greedy');
});

test('an aborted signal stops generation', async () => {
  const ac = new AbortController();
  ac.abort(new Error('stop now'));
  await assert.rejects(sampler.generate([{ prompt: prompt('p', 'Calculate 1 + 2.'), indices: [0], keys: ['k'] }], sampled, ac.signal), /stop now/);
});

test('the backend describes the model by name and graph hash', () => {
  const d = onnx().describe();
  assert.equal(d.model, 'distillery-tiny-r1');
  assert.match(String(d.sha256), /^[0-9a-f]{64}$/);
  assert.equal(d.device, 'cpu');
});
