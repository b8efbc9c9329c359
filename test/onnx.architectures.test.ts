// Real decoder architectures (models/fixtures: Qwen2 as R1-Distill-Qwen, Qwen3, Llama 3, Phi-3; random weights,
// made by models/export/fixtures.py): the sampler loads each file (fp32, fp16, q4, q4f16) with real onnxruntime,
// renders and encodes the prompts as transformers did, and reproduces PyTorch's greedy tokens.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import type { ChatMessage } from '../schemas/chat.ts';
import { onnx } from '../src/models/onnx/index.ts';
import { OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'models', 'fixtures');
const FILES = ['onnx/model.onnx', 'onnx/model_fp16.onnx', 'onnx/model_q4.onnx', 'onnx/model_q4f16.onnx'];

interface Golden {
  max_new_tokens: number;
  rows: { messages: ChatMessage[]; prompt: string; prompt_ids: number[]; greedy: Record<string, number[]> }[];
}

const GENAI_GQA = path.join(FIXTURES, 'genai-gqa-qwen2');
const fixtures = readdirSync(FIXTURES, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('genai-')).map((d) => d.name).sort();

test('the fixtures cover the four families', () => {
  assert.deepEqual(fixtures, ['llama3', 'phi3', 'qwen3', 'r1-distill-qwen2']);
});

for (const name of fixtures) {
  const dir = path.join(FIXTURES, name);
  const golden: Golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8'));
  const greedy = GenerationConfig.parse({ temperature: 0, maxTokens: golden.max_new_tokens });

  for (const file of FILES) {
    test(`${name} ${file}: PyTorch's greedy tokens, one prompt at a time and in a left-padded batch`, async () => {
      const sampler = await OnnxSampler.load(dir, { file, threads: 1 });
      try {
        for (const row of golden.rows) {
          const rendered = sampler.tokenizer.render(row.messages);
          assert.equal(rendered.text, row.prompt, 'the chat template renders as transformers did');
          assert.deepEqual(sampler.tokenizer.encodePrompt(rendered), row.prompt_ids, 'the tokenizer encodes as transformers did');
          const [out] = await sampler.generateRows([row.prompt_ids], [{ prompt: 0, key: 'g' }], greedy);
          assert.deepEqual(out.tokenIds, row.greedy[file], `${name} ${file}: ${JSON.stringify(row.messages.at(-1)?.content)}`);
        }
        const prompts = golden.rows.map((r) => r.prompt_ids);
        const batch = await sampler.generateRows(prompts, prompts.map((_, i) => ({ prompt: i, key: `g${i}` })), greedy);
        batch.forEach((o, i) => assert.deepEqual(o.tokenIds, golden.rows[i].greedy[file], `${name} ${file}: row ${i} in a batch`));
      } finally {
        await sampler.close();
      }
    });
  }
}

test('the R1-Distill template pre-fills <think> and the decoded text keeps </think>', async () => {
  const sampler = await OnnxSampler.load(path.join(FIXTURES, 'r1-distill-qwen2'), { threads: 1 });
  try {
    const rendered = sampler.tokenizer.render([{ role: 'user', content: 'What is 2 + 2?' }]);
    assert.equal(rendered.prefill, '<think>\n');
    assert.ok(rendered.text.startsWith('<｜begin▁of▁sentence｜><｜User｜>What is 2 + 2?<｜Assistant｜>'));
    const ids = sampler.tokenizer.encode('</think>\n\nThe answer is 4.');
    assert.equal(sampler.tokenizer.decode(ids), '</think>\n\nThe answer is 4.');
  } finally {
    await sampler.close();
  }
});

test('an onnxruntime-genai graph (GroupQueryAttention) is refused at open, saying why and what to use instead', async () => {
  const expected = /genai-gqa-qwen2\/onnx\/model\.onnx uses com\.microsoft GroupQueryAttention .*onnxruntime-genai.*left padding.*Optimum/;
  await assert.rejects(OnnxSampler.load(GENAI_GQA, { file: 'onnx/model.onnx' }), expected);
  assert.throws(() => onnx({ model: GENAI_GQA, file: 'onnx/model.onnx' }).describe(), expected);
});
