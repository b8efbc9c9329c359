import type { InferenceSession } from 'onnxruntime-node';
import { ModelDirError, type ModelSpec } from './model-dir.ts';

export type FloatType = 'float32' | 'float16';

/** The graph's inputs and outputs, checked against the Optimum decoder layout. */
export interface DecoderLayout {
  hasPositionIds: boolean;
  kvType: FloatType;
  logitsType: FloatType;
  pastNames: { key: string; value: string }[];
  presentNames: { key: string; value: string }[];
}

function tensorType(meta: readonly InferenceSession.ValueMetadata[], name: string): { type: string; shape: readonly (number | string)[] } | null {
  const m = meta.find((x) => x.name === name);
  if (!m) return null;
  if (!m.isTensor) return { type: 'non-tensor', shape: [] };
  return { type: m.type, shape: m.shape };
}

function floatType(type: string, what: string, spec: ModelSpec): FloatType {
  if (type === 'float32' || type === 'float16') return type;
  throw new ModelDirError(`onnx: ${spec.modelFile}: ${what} has dtype ${type}; expected float32 or float16 (other dtypes are not supported)`);
}

export function checkLayout(session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>, spec: ModelSpec): DecoderLayout {
  const inputs = session.inputMetadata;
  const outputs = session.outputMetadata;
  const names = (m: readonly InferenceSession.ValueMetadata[]) => m.map((x) => x.name).join(', ');
  const wrong = (what: string) =>
    new ModelDirError(
      `onnx: ${spec.modelFile}: ${what}; expected the Optimum decoder layout: inputs input_ids, attention_mask, position_ids, ` +
        `past_key_values.N.key/value for N < ${spec.layers} (num_hidden_layers in ${spec.configFile}); outputs logits, present.N.key/value. ` +
        `The graph has inputs [${names(inputs)}] and outputs [${names(outputs)}]`,
    );
  for (const name of ['input_ids', 'attention_mask']) {
    const t = tensorType(inputs, name);
    if (!t) throw wrong(`no input "${name}"`);
    if (t.type !== 'int64') throw wrong(`input "${name}" has dtype ${t.type}, expected int64`);
  }
  const logits = tensorType(outputs, 'logits');
  if (!logits) throw wrong('no output "logits"');
  const pastNames = [];
  const presentNames = [];
  let kvType: FloatType | null = null;
  for (let i = 0; i < spec.layers; i++) {
    const past = { key: `past_key_values.${i}.key`, value: `past_key_values.${i}.value` };
    const present = { key: `present.${i}.key`, value: `present.${i}.value` };
    for (const name of [past.key, past.value]) {
      const t = tensorType(inputs, name);
      if (!t) throw wrong(`no input "${name}"`);
      const type = floatType(t.type, `input "${name}"`, spec);
      if (kvType && type !== kvType) throw wrong(`input "${name}" is ${type} but other past tensors are ${kvType}`);
      kvType = type;
      const [, heads, , dim] = t.shape;
      if ((typeof heads === 'number' && heads !== spec.kvHeads) || (typeof dim === 'number' && dim !== spec.headDim)) {
        throw wrong(`input "${name}" has shape [${t.shape.join(', ')}] but ${spec.configFile} says ${spec.kvHeads} KV heads of size ${spec.headDim}`);
      }
    }
    for (const name of [present.key, present.value]) if (!tensorType(outputs, name)) throw wrong(`no output "${name}"`);
    pastNames.push(past);
    presentNames.push(present);
  }
  const extraPast = inputs.find((m) => m.name === `past_key_values.${spec.layers}.key`);
  if (extraPast) throw wrong(`the graph has more layers than num_hidden_layers = ${spec.layers}`);
  return {
    hasPositionIds: tensorType(inputs, 'position_ids') !== null,
    kvType: kvType ?? 'float32',
    logitsType: floatType(logits.type, 'output "logits"', spec),
    pastNames,
    presentNames,
  };
}
