// The ONNX sampler on onnxruntime-node's WebGPU provider (real Dawn over Vulkan). Here the Vulkan device is
// SwiftShader, the CPU Vulkan driver chromium ships (`apt-get install chromium libvulkan1`; .ci/run installs it):
// ~100× slower than the CPU provider, so the runs are short. Skipped, with the reason, where no Vulkan device exists.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { GenerationConfig } from '../schemas/generation.ts';
import { BUNDLED_MODEL, onnx } from '../src/models/onnx/index.ts';
import { OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
// Unless the caller chose a Vulkan driver, use SwiftShader where chromium ships it (set before the first session):
// the same device everywhere CI runs, and Mesa's drivers that Debian registers (lavapipe) are refused by Dawn.
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;

const golden: { rows: { prompt_ids: number[] }[] } = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'golden.json'), 'utf8'));

test('webgpu: greedy tokens equal the CPU provider\'s, with the KV cache on the device through joins and compaction', async (t) => {
  let gpu: OnnxSampler;
  try {
    // One slot for two prompts: the second joins when the first finishes (a re-layout of the cache on the device).
    gpu = (await onnx({ device: 'webgpu', slots: 1 }).open()) as OnnxSampler;
  } catch (e) {
    if (/found no GPU adapter/.test((e as Error).message)) return t.skip(`no Vulkan device for WebGPU here: ${(e as Error).message.split('. ')[0]}`);
    throw e;
  }
  const cpu = await OnnxSampler.load(BUNDLED_MODEL, { threads: 1, slots: 1 });
  try {
    assert.equal(gpu.device, 'webgpu');
    const prompts = golden.rows.slice(0, 2).map((r) => r.prompt_ids);
    const rows = prompts.map((_, i) => ({ prompt: i, key: `g${i}` }));
    const config = GenerationConfig.parse({ temperature: 0, maxTokens: 5 });
    const onGpu = await gpu.generateRows(prompts, rows, config);
    assert.deepEqual(onGpu, await cpu.generateRows(prompts, rows, config));
    assert.ok(gpu.batchStats.rebuilds >= 2, 'the cache was laid out on the device for each prompt');
    assert.deepEqual([gpu.batchStats.devicePicks, gpu.batchStats.hostPicks], [10, 0], 'every greedy token was picked on the device');
    // Two samples of one prompt sharing its prefill, with a compaction when the shorter one stops.
    const two = await OnnxSampler.load(BUNDLED_MODEL, { device: 'webgpu', slots: 2 });
    try {
      const shared = [{ prompt: 0, key: 'a' }, { prompt: 0, key: 'b' }];
      const sampled = GenerationConfig.parse({ temperature: 1.5, maxTokens: 4 });
      assert.deepEqual(await two.generateRows(prompts, shared, sampled), await cpu.generateRows(prompts, shared, sampled));
      assert.deepEqual([two.batchStats.devicePicks > 0, two.batchStats.hostPicks], [true, 0], 'sampled on the device');
      // top-k is not a device rule: those picks fall back to the host, counted, with the same tokens.
      const topK = GenerationConfig.parse({ temperature: 1.5, topK: 5, maxTokens: 3 });
      assert.deepEqual(await two.generateRows(prompts, shared, topK), await cpu.generateRows(prompts, shared, topK));
      assert.ok(two.batchStats.hostPicks >= 2, `top-k picks on the host (${two.batchStats.hostPicks})`);
      // A pick graph that fails on the device (made to fail here: its run throws) turns device picking off for the
      // session, says why, and the host picks with the numbers already drawn: the same tokens.
      const session = (two as unknown as { session: { pickOnDevice(): Promise<number[]> } }).session;
      session.pickOnDevice = () => Promise.reject(new Error('pick graph lost'));
      assert.deepEqual(await two.generateRows(prompts, shared, sampled), await cpu.generateRows(prompts, shared, sampled));
      assert.equal(two.devicePickError, 'pick graph lost');
    } finally {
      await two.close();
    }
  } finally {
    await gpu.close();
    await cpu.close();
  }
});

test('webgpu without a Vulkan device fails with what to install', { timeout: 120_000 }, async () => {
  const script = `import { onnx } from './src/models/onnx/index.ts';\nawait onnx({ device: 'webgpu' }).open();`;
  const run = promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json' },
  });
  await assert.rejects(run, (e: Error & { stderr: string }) => {
    assert.match(e.stderr, /device "webgpu" found no GPU adapter/);
    assert.match(e.stderr, /apt-get install libvulkan1/);
    assert.match(e.stderr, /VK_ICD_FILENAMES=\/usr\/lib\/chromium\/vk_swiftshader_icd\.json/);
    return true;
  });
});
