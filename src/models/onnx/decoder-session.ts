import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { halvesToFloats } from './float16.ts';
import { checkLayout, type DecoderLayout } from './layout.ts';
import { emptyCache, type KvCache } from './kv-cache.ts';
import { ModelDirError, type ModelSpec } from './model-dir.ts';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  threads?: number;
  executionProvider?: ExecutionProvider;
}

export interface StepOutput {
  /** [batch, seq, vocab] as the graph returned them (float32 or raw float16). */
  logits: ort.Tensor;
  present: KvCache;
}

const CUDA_HELP =
  "onnxruntime-node's CUDA provider is not installed: its install script downloads it, and this project skips " +
  'that download so `npm ci` works offline. On a Linux x64 machine with CUDA 12 and internet, run its install ' +
  'script: `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` ' +
  '(see docs/model.md, "GPU"). No CPU fall back is made.';

/** One onnxruntime session over a decoder graph in the Optimum layout. */
export class DecoderSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly spec: ModelSpec,
    readonly layout: DecoderLayout,
    readonly vocabSize: number | null,
  ) {}

  static async open(spec: ModelSpec, options: SessionOptions = {}): Promise<DecoderSession> {
    const ep = options.executionProvider ?? 'cpu';
    if (ep !== 'cpu' && ep !== 'cuda') throw new Error(`onnx: executionProvider "${ep}" is not supported; use "cpu" or "cuda"`);
    if (ep === 'cuda') {
      const binDir = path.dirname(ortBindingPath());
      const lib = readdirSync(binDir).find((f) => f.startsWith('libonnxruntime_providers_cuda'));
      if (!lib) throw new Error(`onnx: executionProvider "cuda" requested but ${path.join(binDir, 'libonnxruntime_providers_cuda.so')} is missing: ${CUDA_HELP}`);
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(spec.modelFile, {
        executionProviders: [ep],
        ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (e) {
      const msg = (e as Error).message;
      if (ep === 'cuda') throw new Error(`onnx: executionProvider "cuda" failed to start: ${msg}. ${CUDA_HELP}`);
      throw new ModelDirError(`onnx: onnxruntime cannot load ${spec.modelFile}: ${msg}${externalDataHint(spec.modelFile, msg)}`);
    }
    const layout = checkLayout(session, spec);
    const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
    const lastDim = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
    return new DecoderSession(session, spec, layout, typeof lastDim === 'number' ? lastDim : null);
  }

  emptyCache(batch: number): KvCache {
    return emptyCache(this.spec.layers * 2, batch, this.spec.kvHeads, this.spec.headDim, this.layout.kvType);
  }

  /** One forward pass. ids/positions are [batch, seq]; mask is [batch, past + seq]. */
  async step(ids: BigInt64Array, positions: BigInt64Array, mask: BigInt64Array, batch: number, past: KvCache): Promise<StepOutput> {
    const seq = ids.length / batch;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [batch, seq]),
      attention_mask: new ort.Tensor('int64', mask, [batch, mask.length / batch]),
    };
    if (this.layout.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', positions, [batch, seq]);
    this.layout.pastNames.forEach((n, i) => {
      feeds[n.key] = past[2 * i];
      feeds[n.value] = past[2 * i + 1];
    });
    const out = await this.session.run(feeds);
    const present: KvCache = [];
    for (const n of this.layout.presentNames) present.push(out[n.key], out[n.value]);
    return { logits: out.logits, present };
  }

  /** Logits of position `pos` of row `row`, as float32 (a fresh copy the sampling rules may rewrite). */
  logitsAt(logits: ort.Tensor, row: number, pos: number, out: Float32Array): Float32Array {
    const [, seq, vocab] = logits.dims;
    const offset = (row * seq + pos) * vocab;
    if (this.layout.logitsType === 'float16') return halvesToFloats(logits.data as Uint16Array, offset, vocab, out);
    out.set((logits.data as Float32Array).subarray(offset, offset + vocab));
    return out;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function ortBindingPath(): string {
  const base = path.dirname(path.dirname(new URL(import.meta.resolve('onnxruntime-node')).pathname));
  return path.join(base, 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node');
}

function externalDataHint(modelFile: string, message: string): string {
  if (!/external|\.data|No such file/i.test(message)) return '';
  const data = `${modelFile}.data`;
  return existsSync(data) ? '' : ` (the graph keeps its weights in an external data file; is ${data} or the file it names missing?)`;
}
