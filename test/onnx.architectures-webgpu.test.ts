// The real-architecture fixtures (models/fixtures) on onnxruntime-node's WebGPU provider: the sampler's greedy
// tokens equal PyTorch's. SwiftShader (the CPU Vulkan driver chromium ships; .ci/run installs it) is ~100× slower
// than the CPU provider and has no shader-f16, so: the fp32 files only, a few tokens each. Skipped, with the reason,
// where no Vulkan device exists.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import { OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;

const FIXTURES = path.resolve(import.meta.dirname, '..', 'models', 'fixtures');
const TOKENS = 4;

for (const name of ['r1-distill-qwen2', 'qwen3', 'llama3', 'phi3']) {
  test(`webgpu: ${name} onnx/model.onnx gives PyTorch's greedy tokens, alone and in a left-padded batch`, async (t) => {
    const dir = path.join(FIXTURES, name);
    const golden: { rows: { prompt_ids: number[]; greedy: Record<string, number[]> }[] } = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8'));
    let sampler: OnnxSampler;
    try {
      sampler = await OnnxSampler.load(dir, { device: 'webgpu', file: 'onnx/model.onnx' });
    } catch (e) {
      if (/found no GPU adapter/.test((e as Error).message)) return t.skip(`no Vulkan device for WebGPU here: ${(e as Error).message.split('. ')[0]}`);
      throw e;
    }
    try {
      assert.equal(sampler.device, 'webgpu');
      const config = GenerationConfig.parse({ temperature: 0, maxTokens: TOKENS });
      const rows = golden.rows.slice(0, 2);
      const out = await sampler.generateRows(rows.map((r) => r.prompt_ids), rows.map((_, i) => ({ prompt: i, key: `g${i}` })), config);
      out.forEach((o, i) => assert.deepEqual(o.tokenIds, rows[i].greedy['onnx/model.onnx'].slice(0, TOKENS), `${name}: row ${i}`));
    } finally {
      await sampler.close();
    }
  });
}
