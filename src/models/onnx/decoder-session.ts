import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { halvesToFloats } from './float16.ts';
import { lastPositionGraph, relayoutGraph, relayoutNames, tokenPickGraph } from './helper-graphs.ts';
import { checkLayout, type DecoderLayout } from './layout.ts';
import { emptyCache, relayoutOnHost, type KvCache, type RelayoutPlan } from './kv-cache.ts';
import { ModelDirError, type ModelSpec } from './model-dir.ts';

/**
 * Where the model runs. 'cpu': onnxruntime's CPU provider. 'webgpu': onnxruntime-node's built-in WebGPU provider
 * (Dawn over Vulkan), with the KV cache kept on the device between steps. 'cuda': the CUDA provider, when it was
 * installed by hand (docs/model.md); its KV cache goes through the host.
 */
export type Device = 'cpu' | 'webgpu' | 'cuda';
export const DEVICES: readonly Device[] = ['cpu', 'webgpu', 'cuda'];

export interface SessionOptions {
  threads?: number;
  device?: Device;
}

export interface StepOutput {
  /**
   * Logits [batch, seq, vocab]: on the host (cpu, cuda) or on the device (webgpu: pickOnDevice reads them there,
   * hostLogits brings the last position over). Release with disposeTensor.
   */
  logits: ort.Tensor;
  present: KvCache;
}

const CUDA_HELP =
  "onnxruntime-node's CUDA provider is not installed: its install script downloads it, and this project skips " +
  'that download so `npm ci` works offline. On a Linux x64 machine with CUDA 12 and internet, run its install ' +
  'script: `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` ' +
  '(see docs/model.md, "GPU"). No CPU fall back is made.';

export const WEBGPU_HELP =
  "onnxruntime-node's WebGPU provider runs on Vulkan: install the Vulkan loader and a Vulkan driver " +
  '(`apt-get install libvulkan1` and the GPU vendor\'s Vulkan ICD, e.g. the NVIDIA driver\'s; `vulkaninfo --summary` ' +
  'lists what the loader sees). Without a GPU, the SwiftShader software device that Debian\'s chromium package ships ' +
  'works (slowly): `apt-get install chromium libvulkan1` and `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`. ' +
  "Mesa's lavapipe is refused by Dawn. No CPU fall back is made.";

/** One onnxruntime session over a decoder graph in the Optimum layout, on one device. */
export class DecoderSession {
  private relayoutSessions = new Map<boolean, Promise<ort.InferenceSession>>();
  private pickSessions = new Map<number, Promise<ort.InferenceSession>>();

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly spec: ModelSpec,
    readonly layout: DecoderLayout,
    readonly vocabSize: number | null,
    readonly device: Device,
    /** webgpu only: cuts the last position's logits on the device and hands them to the host (host picks). */
    private readonly lastPosition: ort.InferenceSession | null,
  ) {}

  static async open(spec: ModelSpec, options: SessionOptions = {}): Promise<DecoderSession> {
    const device = options.device ?? 'cpu';
    if (!DEVICES.includes(device)) throw new Error(`onnx: device "${device}" is not supported; use ${DEVICES.map((d) => `"${d}"`).join(', ')}`);
    if (device === 'cuda') {
      const binDir = path.dirname(ortBindingPath());
      const lib = readdirSync(binDir).find((f) => f.startsWith('libonnxruntime_providers_cuda'));
      if (!lib) throw new Error(`onnx: device "cuda" requested but ${path.join(binDir, 'libonnxruntime_providers_cuda.so')} is missing: ${CUDA_HELP}`);
    }
    const common: ort.InferenceSession.SessionOptions = {
      executionProviders: [device],
      ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
    let session: ort.InferenceSession;
    try {
      // On webgpu every output stays on the device: present.* is fed back as past_key_values.*, and the tokens
      // are picked from the logits there (or their last position is cut there before it comes to the host).
      session = await ort.InferenceSession.create(spec.modelFile, device === 'webgpu' ? { ...common, preferredOutputLocation: 'gpu-buffer' } : common);
    } catch (e) {
      const msg = (e as Error).message;
      if (device === 'cuda') throw new Error(`onnx: device "cuda" failed to start: ${msg}. ${CUDA_HELP}`);
      if (device === 'webgpu' && /adapter|vulkan|webgpu/i.test(msg)) throw new Error(`onnx: device "webgpu" found no GPU adapter (${lastLine(msg)}). ${WEBGPU_HELP}`);
      throw new ModelDirError(`onnx: onnxruntime cannot load ${spec.modelFile}: ${msg}${externalDataHint(spec.modelFile, msg)}`);
    }
    const layout = checkLayout(session, spec);
    const logitsMeta = session.outputMetadata.find((m) => m.name === 'logits');
    const lastDim = logitsMeta?.isTensor ? logitsMeta.shape[2] : undefined;
    const lastPosition = device === 'webgpu' ? await ort.InferenceSession.create(lastPositionGraph(layout.logitsType), common) : null;
    return new DecoderSession(session, spec, layout, typeof lastDim === 'number' ? lastDim : null, device, lastPosition);
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

  /** Why picking tokens on the device was turned off (the pick graph failed to load or run), or null. */
  devicePickError: string | null = null;

  /** Whether tokens are picked on the device (webgpu, unless that failed): then only their ids come to the host. */
  get picksOnDevice(): boolean {
    return this.device === 'webgpu' && this.devicePickError === null;
  }

  /**
   * Logits a host pick can read (lastLogits): on the host they are the step's own; on webgpu the last position
   * [batch, 1, vocab] is cut on the device and brought over.
   */
  async hostLogits(logits: ort.Tensor): Promise<ort.Tensor> {
    if (!this.lastPosition) return logits;
    return (await this.lastPosition.run({ logits })).last;
  }

  /**
   * One token per picked row, chosen on the device by the token-pick graph (helper-graphs.ts) from the last
   * position of logits row `rows[i]`: argmax where `greedy[i]`, else inverse-CDF sampling of softmax(logits ×
   * invTemperature[i]) with the uniform number u[i].
   */
  async pickOnDevice(logits: ort.Tensor, rows: readonly number[], greedy: Uint8Array, invTemperature: Float32Array, u: Float32Array): Promise<number[]> {
    const n = rows.length;
    const session = await this.pickSession(logits.dims[2]);
    const out = await session.run({
      logits,
      rows: new ort.Tensor('int64', BigInt64Array.from(rows, BigInt), [n]),
      inv_temperature: new ort.Tensor('float32', invTemperature, [n, 1]),
      u: new ort.Tensor('float32', u, [n, 1]),
      greedy: new ort.Tensor('bool', greedy, [n, 1]),
    });
    return Array.from(out.tokens.data as BigInt64Array, Number);
  }

  /** Logits of position `pos` of row `row`, as float32 (a fresh copy the sampling rules may rewrite). */
  logitsAt(logits: ort.Tensor, row: number, pos: number, out: Float32Array): Float32Array {
    const [, seq, vocab] = logits.dims;
    const offset = (row * seq + pos) * vocab;
    if (this.layout.logitsType === 'float16') return halvesToFloats(logits.data as Uint16Array, offset, vocab, out);
    out.set((logits.data as Float32Array).subarray(offset, offset + vocab));
    return out;
  }

  /** Logits of the last position of row `row` (every row's last token: prompts are left-padded). */
  lastLogits(logits: ort.Tensor, row: number, out: Float32Array): Float32Array {
    return this.logitsAt(logits, row, logits.dims[1] - 1, out);
  }

  /**
   * A cache laid out by `plan` from the current cache and a fresh prefill's cache (either may be null). On the
   * host the fresh rows are written in place where the plan allows; on webgpu a small graph does it on the
   * device. The inputs are left as they are: the caller disposes what it no longer needs.
   */
  async relayout(cache: KvCache | null, fresh: KvCache | null, plan: RelayoutPlan): Promise<KvCache> {
    if (this.device !== 'webgpu') return relayoutOnHost(cache, fresh, plan);
    // An empty cache (batch 0) is left out rather than concatenated.
    if (cache && cache[0].dims[0] === 0) cache = null;
    let base = cache;
    let extra = fresh;
    let rows = plan.rows.map((r) => (r.from === 'cache' ? r.row : r.row + (cache ? cache[0].dims[0] : 0)));
    if (!base) {
      if (plan.rows.some((r) => r.from === 'cache')) throw new Error('kv relayout: the plan takes rows from an empty cache');
      [base, extra, rows] = [fresh, null, plan.rows.map((r) => r.row)];
    }
    if (!base) throw new Error('kv relayout: no cache to lay out');
    const baseLen = base[0].dims[2];
    const extraLen = extra ? extra[0].dims[2] : 0;
    const width = Math.max(baseLen, extraLen);
    const pads = (len: number) => new ort.Tensor('int64', BigInt64Array.from([0, 0, width - len, 0, 0, 0, 0, 0].map(BigInt)), [8]);
    const names = relayoutNames(base.length);
    const feeds: Record<string, ort.Tensor> = {
      cache_pads: pads(baseLen),
      rows: new ort.Tensor('int64', BigInt64Array.from(rows.map(BigInt)), [rows.length]),
      start: new ort.Tensor('int64', BigInt64Array.from([BigInt(width - plan.length)]), [1]),
    };
    base.forEach((t, i) => { feeds[names.cache[i]] = t; });
    if (extra) {
      feeds.fresh_pads = pads(extraLen);
      extra.forEach((t, i) => { feeds[names.fresh[i]] = t; });
    }
    const session = await this.relayoutSession(extra !== null);
    const out = await session.run(feeds);
    return names.out.map((n) => out[n]);
  }

  /** Release device tensors (no-op for host tensors, which the garbage collector frees). */
  dispose(cache: KvCache | null): void {
    if (!cache) return;
    for (const t of cache) this.disposeTensor(t);
  }

  disposeTensor(t: ort.Tensor): void {
    if (t.location === 'gpu-buffer') t.dispose();
  }

  private pickSession(vocab: number): Promise<ort.InferenceSession> {
    let s = this.pickSessions.get(vocab);
    if (!s) {
      s = ort.InferenceSession.create(tokenPickGraph(this.layout.logitsType, vocab), { executionProviders: [this.device], logSeverityLevel: 3 });
      this.pickSessions.set(vocab, s);
    }
    return s;
  }

  private relayoutSession(withFresh: boolean): Promise<ort.InferenceSession> {
    let s = this.relayoutSessions.get(withFresh);
    if (!s) {
      s = ort.InferenceSession.create(relayoutGraph(this.spec.layers * 2, this.layout.kvType, withFresh), {
        executionProviders: [this.device],
        preferredOutputLocation: 'gpu-buffer',
        logSeverityLevel: 3,
      });
      this.relayoutSessions.set(withFresh, s);
    }
    return s;
  }

  async close(): Promise<void> {
    for (const s of [...this.relayoutSessions.values(), ...this.pickSessions.values()]) await (await s).release();
    await this.lastPosition?.release();
    await this.session.release();
  }
}

function lastLine(message: string): string {
  return message.trim().split('\n').at(-1)!.replace(/^.*? was false\. /, '');
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
