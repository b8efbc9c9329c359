import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { unsupportedOps } from './graph-ops.ts';

/** What the sampler needs to know about a model directory, read from its config files. */
export interface ModelSpec {
  dir: string;
  /** Absolute path of the decoder graph. */
  modelFile: string;
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Longest sequence (prompt + completion) the model was built for, when the config says. */
  maxContext: number | null;
  eosIds: number[];
  padId: number;
  /** Which file the numbers above came from (named in layout errors). */
  configFile: string;
}

/** A model directory that cannot be used as is: the message names the file and what was expected. */
export class ModelDirError extends Error {
  override name = 'ModelDirError';
}

const LAYOUT_HINT =
  'expected the Hugging Face Optimum / transformers.js decoder layout: config.json (or genai_config.json), model.onnx ' +
  '(or onnx/model.onnx, + external .onnx.data), tokenizer.json, tokenizer_config.json, generation_config.json (optional)';

export function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelDirError(`onnx: cannot read ${file}: ${(e as Error).message}; ${LAYOUT_HINT}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new ModelDirError(`onnx: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function requireFile(dir: string, name: string): string {
  const file = path.join(dir, name);
  if (!existsSync(file)) throw new ModelDirError(`onnx: missing ${file}; ${LAYOUT_HINT}`);
  return file;
}

function ids(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

function positiveInt(v: unknown, file: string, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ModelDirError(`onnx: ${file}: expected a positive integer at "${field}", found ${JSON.stringify(v)}`);
  }
  return v;
}

/** Find the graph: an explicit file name, or model.onnx at the root, or onnx/model.onnx (onnx-community repos). */
function findModelFile(dir: string, file: string | undefined): string {
  if (file) return requireFile(dir, file);
  for (const candidate of ['model.onnx', path.join('onnx', 'model.onnx')]) {
    const full = path.join(dir, candidate);
    if (existsSync(full)) return full;
  }
  throw new ModelDirError(`onnx: missing ${path.join(dir, 'model.onnx')} (nor onnx/model.onnx); ${LAYOUT_HINT}`);
}

/**
 * Read a model directory. The architecture numbers come from `config.json` (transformers) or, failing that,
 * `genai_config.json` (onnxruntime-genai); EOS ids from `generation_config.json` when present.
 */
export function readModelDir(dir: string, file?: string): ModelSpec {
  if (!existsSync(dir)) throw new ModelDirError(`onnx: model directory ${dir} does not exist; ${LAYOUT_HINT}`);
  const hfConfig = path.join(dir, 'config.json');
  const genaiConfig = path.join(dir, 'genai_config.json');
  let spec: Omit<ModelSpec, 'dir' | 'modelFile'>;
  let genaiFile: string | undefined;
  if (existsSync(hfConfig)) {
    const c = readJson(hfConfig);
    const layers = positiveInt(c.num_hidden_layers, hfConfig, 'num_hidden_layers');
    const heads = positiveInt(c.num_attention_heads, hfConfig, 'num_attention_heads');
    const kvHeads = c.num_key_value_heads === undefined ? heads : positiveInt(c.num_key_value_heads, hfConfig, 'num_key_value_heads');
    const headDim = c.head_dim !== undefined ? positiveInt(c.head_dim, hfConfig, 'head_dim') : positiveInt(c.hidden_size, hfConfig, 'hidden_size') / heads;
    spec = {
      layers, kvHeads, headDim,
      maxContext: typeof c.max_position_embeddings === 'number' ? c.max_position_embeddings : null,
      eosIds: ids(c.eos_token_id),
      padId: ids(c.pad_token_id)[0] ?? ids(c.eos_token_id)[0] ?? 0,
      configFile: hfConfig,
    };
  } else if (existsSync(genaiConfig)) {
    const m = (readJson(genaiConfig).model ?? {}) as Record<string, unknown>;
    const d = (m.decoder ?? {}) as Record<string, unknown>;
    spec = {
      layers: positiveInt(d.num_hidden_layers, genaiConfig, 'model.decoder.num_hidden_layers'),
      kvHeads: positiveInt(d.num_key_value_heads, genaiConfig, 'model.decoder.num_key_value_heads'),
      headDim: positiveInt(d.head_size, genaiConfig, 'model.decoder.head_size'),
      maxContext: typeof m.context_length === 'number' ? m.context_length : null,
      eosIds: ids(m.eos_token_id),
      padId: ids(m.pad_token_id)[0] ?? 0,
      configFile: genaiConfig,
    };
    if (typeof d.filename === 'string') genaiFile = d.filename;
  } else {
    throw new ModelDirError(`onnx: missing ${hfConfig} (nor genai_config.json); ${LAYOUT_HINT}`);
  }
  if (!Number.isInteger(spec.headDim)) throw new ModelDirError(`onnx: ${spec.configFile}: hidden_size is not a multiple of num_attention_heads; give head_dim`);
  const generationConfig = path.join(dir, 'generation_config.json');
  if (existsSync(generationConfig)) {
    const eos = ids(readJson(generationConfig).eos_token_id);
    if (eos.length) spec.eosIds = eos;
  }
  requireFile(dir, 'tokenizer.json');
  requireFile(dir, 'tokenizer_config.json');
  const modelFile = findModelFile(dir, file ?? genaiFile);
  const unsupported = unsupportedOps(modelFile);
  if (unsupported.length) throw new ModelDirError(`onnx: ${modelFile} uses ${unsupported.map((u) => u.why).join('; ')}`);
  return { dir, modelFile, ...spec };
}
