import { createHash } from 'node:crypto';
import { readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../config/package-root.ts';
import type { Backend } from '../sampler.ts';
import type { Device } from './decoder-session.ts';
import { readModelDir } from './model-dir.ts';
import { z } from 'zod';
import { parseOptions } from '../../config/strict-options.ts';

export type { Device } from './decoder-session.ts';
export { ModelDirError } from './model-dir.ts';

/** The devices (decoder-session.ts's DEVICES, listed here because that module loads onnxruntime-node). */
const DEVICES = ['cpu', 'webgpu', 'cuda'] as const satisfies readonly Device[];

/** The tiny reasoning model that ships with Distillery (models/distillery-tiny-r1). */
export const BUNDLED_MODEL = path.join(PACKAGE_ROOT, 'models', 'distillery-tiny-r1');

export interface OnnxOptions {
  /** Model directory in the Optimum / transformers.js decoder layout. Default: the bundled model. */
  model?: string;
  /** Graph file inside the directory when it is not model.onnx / onnx/model.onnx (e.g. onnx/model_fp16.onnx). */
  file?: string;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
  /**
   * 'cpu' (default), 'webgpu' (onnxruntime-node's WebGPU provider over Vulkan; the KV cache stays on the device) or
   * 'cuda' (needs the CUDA provider installed by hand, docs/model.md). No silent fall back to the CPU.
   */
  device?: Device;
  /** Prompts per generate() call the engine makes (two calls are in flight; their rows share the slots). */
  batchSize?: number;
  /** Sequences decoded together in the continuous batch (default 64). */
  slots?: number;
}

const OnnxOptionsSchema = z.strictObject({
  model: z.string().min(1).optional(),
  file: z.string().min(1).optional(),
  threads: z.number().int().min(1).optional(),
  device: z.enum(DEVICES).optional(),
  batchSize: z.number().int().min(1).optional(),
  slots: z.number().int().min(1).optional(),
});

/**
 * The embedded backend: sample in-process with onnxruntime-node. The description (hashed into every sample key)
 * names the model and the sha256 of its graph, so another model or export is another sample key.
 */
export function onnx(options: OnnxOptions = {}): Backend {
  parseOptions('onnx', OnnxOptionsSchema, options);
  const dir = path.resolve(options.model ?? BUNDLED_MODEL);
  const device = options.device ?? 'cpu';
  if (!DEVICES.includes(device)) throw new Error(`onnx: device ${JSON.stringify(device)} is not supported; use ${DEVICES.map((d) => `'${d}'`).join(', ')}`);
  let description: Record<string, unknown> | null = null;
  return {
    kind: 'onnx',
    batchSize: options.batchSize ?? 16,
    // Two calls in flight: the next call's prompts fill the slots the current call's finished rows free.
    concurrency: 2,
    describe() {
      if (!description) {
        const spec = readModelDir(dir, options.file);
        const dataFile = `${spec.modelFile}.data`;
        description = {
          kind: 'onnx',
          model: path.basename(dir),
          file: path.relative(dir, spec.modelFile),
          sha256: createHash('sha256').update(readFileSync(spec.modelFile)).digest('hex'),
          externalDataBytes: existsSync(dataFile) ? statSync(dataFile).size : null,
          device,
        };
      }
      return description;
    },
    // onnxruntime-node is loaded when the backend opens: a pipeline that only names onnx() in a branch never loads it.
    open: async () => {
      const { OnnxSampler, DEFAULT_SLOTS } = await import('./onnx-sampler.ts');
      return OnnxSampler.load(dir, { file: options.file, threads: options.threads, device, slots: options.slots ?? DEFAULT_SLOTS });
    },
  };
}
