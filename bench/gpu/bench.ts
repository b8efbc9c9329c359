/**
 * GPU bench: Distillery's ONNX sampler on onnxruntime's WebGPU provider against Hugging Face transformers
 * `generate` on the same GPU, the same random model and the same batch, measured in one run.
 *
 *   npm run bench:gpu -- --smoke          here: a tiny fp32 model on SwiftShader (Vulkan on the CPU), no reference
 *   bash bench/gpu/run.sh                 on a GPU machine, from the carried pack (see bench/gpu/README.md)
 *
 * Steps: (1) python bench/gpu/model.py builds the model (real Qwen2 shape, random weights, exported to the
 * Optimum decoder layout) and times transformers `generate` (k rows of one prompt, every row exactly
 * --new-tokens long: the model has no EOS); (2) this process loads the export with the product's OnnxSampler on
 * --device and samples the same k rows; (3) prints ONE JSON line: tokens/s of both, their ratio, batch, lengths,
 * device, GPU memory and the share of the memory-bandwidth roofline reached.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GenerationConfig } from '../../schemas/generation.ts';
import type { Device } from '../../src/models/onnx/decoder-session.ts';
import { OnnxSampler } from '../../src/models/onnx/onnx-sampler.ts';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const NVIDIA_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    root: { type: 'string', default: process.cwd() },
    python: { type: 'string' },
    preset: { type: 'string' },
    dtype: { type: 'string' },
    k: { type: 'string', default: '8' },
    'new-tokens': { type: 'string' },
    'prompt-tokens': { type: 'string', default: '32' },
    device: { type: 'string', default: 'webgpu' },
    'reference-device': { type: 'string' },
    'no-reference': { type: 'boolean', default: false },
    'model-dir': { type: 'string' },
    'peak-bandwidth': { type: 'string', default: '4.8e12' },
    'json-out': { type: 'string' },
  },
});

const smoke = values.smoke;
const preset = values.preset ?? (smoke ? 'tiny' : 'r1-distill-qwen-1.5b');
const dtype = values.dtype ?? (smoke ? 'float32' : 'float16'); // SwiftShader has no shader-f16
const k = Number(values.k);
const newTokens = Number(values['new-tokens'] ?? (smoke ? 12 : 512));
const device = values.device as Device;
const referenceDevice = values['reference-device'] ?? (smoke ? 'cpu' : 'cuda');
const noReference = values['no-reference'] || smoke;
const root = path.resolve(values.root);

function python(): string {
  if (values.python) return values.python;
  const venv = path.join(root, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** The Vulkan device onnxruntime's WebGPU provider (Dawn) will use: SwiftShader for --smoke, else the driver's. */
function chooseVulkanIcd(): string | null {
  const env = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (env) return env;
  const icd = smoke ? SWIFTSHADER_ICD : NVIDIA_ICD;
  if (!existsSync(icd)) return null;
  process.env.VK_ICD_FILENAMES = icd; // read by the Vulkan loader when onnxruntime creates the WebGPU adapter
  return icd;
}

function nvidiaSmi(query: string): string[] | null {
  const r = spawnSync('nvidia-smi', [`--query-gpu=${query}`, '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.trim().split('\n')[0].split(',').map((s) => s.trim());
}

/** Peak GPU memory in use (MiB, whole device) while `run` goes on, sampled with nvidia-smi every 250 ms. */
async function withMemoryPeak<T>(run: () => Promise<T>): Promise<{ result: T; peakMiB: number | null }> {
  if (!nvidiaSmi('memory.used')) return { result: await run(), peakMiB: null };
  const child = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '250'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let peak = 0;
  child.stdout.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim()) peak = Math.max(peak, Number(line.trim()));
  });
  try {
    return { result: await run(), peakMiB: peak || null };
  } finally {
    child.kill();
  }
}

/** The JSON line of a run that failed, with the reference's numbers when they were measured. */
function fail(stage: string, error: unknown): never {
  let reference = null;
  try {
    reference = JSON.parse(readFileSync(path.join(modelDir, 'reference.json'), 'utf8')).reference ?? null;
  } catch {
    // the model step itself failed
  }
  console.log(JSON.stringify({ bench: 'gpu', smoke, ok: false, stage, error: (error as Error)?.message ?? String(error), device: values.device, reference }));
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
}

const icd = chooseVulkanIcd();
const tmp = values['model-dir'] ? null : mkdtempSync(path.join(os.tmpdir(), 'distillery-gpu-bench-'));
const modelDir = values['model-dir'] ?? path.join(tmp as string, 'model');
try {
  // 1. Model + reference (python: transformers, torch, onnx).
  const args = [path.join(root, 'bench', 'gpu', 'model.py'), '--out', modelDir, '--preset', preset, '--dtype', dtype,
    '--k', String(k), '--new-tokens', String(newTokens), '--prompt-tokens', values['prompt-tokens'] as string, '--device', referenceDevice];
  if (noReference) args.push('--no-reference');
  const t0 = performance.now();
  const py = spawnSync(python(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  if (py.status !== 0) fail('model.py', new Error(`${python()} ${args.join(' ')} exited with ${py.status}: ${py.stdout}`));
  const buildSeconds = (performance.now() - t0) / 1000;
  const ref = JSON.parse(readFileSync(path.join(modelDir, 'reference.json'), 'utf8'));

  // 2. Distillery's sampler on the device.
  const config = GenerationConfig.parse({ k, temperature: 1, maxTokens: newTokens });
  const t1 = performance.now();
  let sampler: OnnxSampler;
  try {
    sampler = await OnnxSampler.load(modelDir, { device });
  } catch (e) {
    fail('load', e);
  }
  if (sampler.device !== device) fail('load', new Error(`the sampler runs on ${sampler.device}, not ${device}`));
  const loadSeconds = (performance.now() - t1) / 1000;
  const prompts = [ref.prompt_ids as number[]];
  const rows = Array.from({ length: k }, (_, i) => ({ prompt: 0, key: `bench#${i}` }));
  try {
    await sampler.generateRows(prompts, rows, GenerationConfig.parse({ k, temperature: 1, maxTokens: 4 })); // warm-up: shader compilation
  } catch (e) {
    fail('warm-up', e);
  }
  const before = { ...sampler.batchStats };
  const t2 = performance.now();
  const { result: out, peakMiB } = await withMemoryPeak(() => sampler.generateRows(prompts, rows, config));
  const seconds = (performance.now() - t2) / 1000;
  // The timed run's counters only (the warm-up's are taken away).
  const devicePickError = sampler.devicePickError;
  const batchStats = Object.fromEntries(Object.entries(sampler.batchStats).map(([key, v]) => [key, round(v - before[key as keyof typeof before], 1)])) as typeof before;
  await sampler.close();

  const lengths = out.map((o) => o.completionTokens);
  const tokens = lengths.reduce((a, b) => a + b, 0);
  const tokensPerSecond = tokens / seconds;

  // 3. Roofline: each decode step reads every weight once (the embedding table only as the LM head when tied)
  //    and each row's KV cache; the run's steps see on average prompt + new/2 cached positions.
  const bytesPerValue = dtype === 'float16' ? 2 : 4;
  const weightValues = ref.params - (ref.tied_embeddings ? 0 : ref.vocab_size * ref.hidden_size);
  const meanContext = prompts[0].length + newTokens / 2;
  const kvBytesPerRow = 2 * ref.num_hidden_layers * ref.num_key_value_heads * ref.head_dim * meanContext * bytesPerValue;
  const bytesPerStep = weightValues * bytesPerValue + k * kvBytesPerRow;
  const steps = Math.max(...lengths);
  const achieved = (bytesPerStep * steps) / seconds;
  const peak = Number(values['peak-bandwidth']);
  const gpu = nvidiaSmi('name,driver_version,memory.total');
  const reference = ref.reference ?? null;
  const report = {
    bench: 'gpu',
    smoke,
    ok: lengths.every((n) => n === newTokens),
    tokens_per_second: round(tokensPerSecond),
    reference_tokens_per_second: reference ? round(reference.tokens_per_second) : null,
    ratio: reference ? round(tokensPerSecond / reference.tokens_per_second, 3) : null,
    batch: k,
    prompt_tokens: prompts[0].length,
    new_tokens: newTokens,
    lengths: { min: Math.min(...lengths), max: Math.max(...lengths), total: tokens },
    seconds: round(seconds, 2),
    model: { preset, dtype, params: ref.params, export_seconds: round(ref.export_seconds, 1), build_and_reference_seconds: round(buildSeconds, 1), load_seconds: round(loadSeconds, 1) },
    device: { sampler: device, vulkan_icd: icd, gpu: gpu ? { name: gpu[0], driver: gpu[1], memory_total_mib: Number(gpu[2]) } : null, node: process.version },
    gpu_memory: { peak_used_mib_during_sampling: peakMiB, reference_peak_allocated_mib: reference?.gpu_peak_allocated_mib ?? null },
    continuous_batch: batchStats,
    // Per decode step: the model's run, then picking the tokens (on the device: only ids come back; host picks
    // are counted in continuous_batch.hostPicks). On webgpu a run may return before the GPU is done, so part of
    // the model's time can show in the pick, whose result waits for it.
    per_step_ms: {
      decode: round(batchStats.decodeMs / Math.max(1, batchStats.steps), 2),
      pick: round(batchStats.pickMs / Math.max(1, batchStats.steps), 2),
      relayout: round(batchStats.relayoutMs / Math.max(1, batchStats.steps), 2),
      prefill_total: round(batchStats.prefillMs, 1),
    },
    picks: { device: batchStats.devicePicks, host: batchStats.hostPicks, device_error: devicePickError },
    roofline: { bytes_per_step: Math.round(bytesPerStep), achieved_bytes_per_second: Math.round(achieved), peak_bytes_per_second: peak, fraction: round(achieved / peak, 4) },
    reference,
  };
  const line = JSON.stringify(report);
  console.log(line);
  if (values['json-out']) writeFileSync(values['json-out'], line + '\n');
  if (!report.ok) process.exitCode = 1;
} finally {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
