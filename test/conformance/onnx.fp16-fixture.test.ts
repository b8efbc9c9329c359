// The fp16 fixture of ../shared: a random-weight 2-layer Llama with float16 logits/KV, weights in an external
// data file and a real 32k SentencePiece-BPE tokenizer. Its text is gibberish: we check plumbing, not quality.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GenerationConfig } from '../../schemas/generation.ts';
import { onnx } from '../../src/models/onnx/index.ts';
import { OnnxSampler } from '../../src/models/onnx/onnx-sampler.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = path.resolve(repoRoot, '../shared/models/tiny-random-llama-fp16');
const skip = existsSync(fixture) ? false : `fixture ${fixture} not present`;

const prompt = (id: string, content: string) => ({ id, messages: [{ role: 'user' as const, content }], reference: null, domain: 'general', source: 'test', meta: {} });

test('fp16 fixture: tokenizer round-trips text', { skip }, async () => {
  const sampler = await OnnxSampler.load(fixture, { threads: 1 });
  try {
    for (const text of ['Hello world, how are you?', 'Ünïcödé — 12 + 3 = 15\nnew line\ttab', '<think>x</think> \\boxed{1/2}']) {
      assert.equal(sampler.tokenizer.decode(sampler.tokenizer.encode(text)), text);
    }
    // The Llama template puts <s>[INST] … [/INST] around the user turn; the BOS comes from the template only.
    const rendered = sampler.tokenizer.render([{ role: 'user', content: 'Hi' }]);
    assert.equal(rendered.text, '<s>[INST] Hi [/INST]');
    assert.deepEqual(sampler.tokenizer.encodePrompt(rendered).filter((t) => t === 1), [1]);
  } finally {
    await sampler.close();
  }
});

test('fp16 fixture: generates end to end through the backend (float16 logits and KV, external data)', { skip }, async () => {
  const backend = onnx({ model: fixture, threads: 1 });
  assert.equal(backend.describe().file, 'model.onnx');
  assert.equal(backend.describe().externalDataBytes, 2130080);
  const sampler = (await backend.open()) as OnnxSampler;
  try {
    const config = GenerationConfig.parse({ temperature: 0.8, topP: 0.95, topK: 40, maxTokens: 12 });
    const requests = [
      { prompt: prompt('a', 'Tell me a story.'), indices: [0, 1, 2], keys: ['a#0', 'a#1', 'a#2'] },
      { prompt: prompt('b', 'Hi'), indices: [0], keys: ['b#0'] },
    ];
    const out = await sampler.generate(requests, config);
    assert.equal(out.length, 4);
    for (const s of out) {
      assert.equal(s.error, null);
      assert.ok(s.completionTokens > 0 && s.completionTokens <= 12);
      assert.ok(['stop', 'length'].includes(s.finishReason));
      assert.ok(s.text.length > 0);
    }
    assert.equal(out.find((s) => s.promptId === 'b')!.promptTokens, sampler.tokenizer.encodePrompt(sampler.tokenizer.render(requests[1].prompt.messages)).length);
    // Same keys alone give the same texts: the batch does not change a sample.
    const alone = await sampler.generate([{ prompt: requests[0].prompt, indices: [1], keys: ['a#1'] }], config);
    assert.equal(alone[0].text, out.find((s) => s.promptId === 'a' && s.index === 1)!.text);
  } finally {
    await sampler.close();
  }
});

test('fp16 fixture: incremental decoding equals a whole decode, holding back split UTF-8 characters', { skip }, async () => {
  const { ChatTokenizer } = await import('../../src/models/onnx/chat-tokenizer.ts');
  const { IncrementalText } = await import('../../src/models/onnx/stop-strings.ts');
  const tokenizer = ChatTokenizer.load(fixture);
  const source = 'Ünïcödé — 12 + 3 = 15\n日本語のテキスト 🙂🙃 <think>x</think> \\boxed{1/2}';
  const ids = tokenizer.encode(source);
  const text = new IncrementalText((x) => tokenizer.decode(x));
  const seen: string[] = [];
  for (let i = 1; i <= ids.length; i++) seen.push(text.update(ids.slice(0, i)));
  assert.equal(text.text, tokenizer.decode(ids));
  assert.ok(seen.every((d) => !d.includes('\uFFFD')), 'no half character is ever emitted');
  assert.ok(seen.some((d) => d === ''), 'byte-fallback tokens of one character were held back until complete');
});
