import onnxProto from 'onnx-proto';
import type { FloatType } from './layout.ts';

/**
 * Small ONNX graphs the sampler runs next to the model, on the same device, so tensors that live on the GPU
 * (the KV cache, the logits) are re-laid out or cut there instead of going through host memory. Built here with
 * onnx-proto (the ONNX protobuf schema for JavaScript) because their inputs depend on the model (layer count,
 * dtype); each is a handful of standard operators (opset 17) that every execution provider implements.
 */
const { onnx } = onnxProto;
const ELEM = { float32: onnx.TensorProto.DataType.FLOAT, float16: onnx.TensorProto.DataType.FLOAT16, int64: onnx.TensorProto.DataType.INT64 };
const INT = onnx.AttributeProto.AttributeType.INT;

function valueInfo(name: string, type: keyof typeof ELEM, dims: (string | number)[]): onnxProto.onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType: ELEM[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function int64s(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dataType: ELEM.int64, dims: [values.length], int64Data: values };
}

function model(graph: onnxProto.onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, producerName: 'distillery', opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

// Slice ends past any real length (Slice clamps); 2^40 stays exact as a JS number.
const TO_END = 2 ** 40;

/** logits [batch, seq, vocab] → the last position's logits [batch, 1, vocab] (what sampling needs). */
export function lastPositionGraph(type: FloatType): Uint8Array {
  return model({
    name: 'last_position',
    node: [{ opType: 'Slice', input: ['logits', 'minus_one', 'to_end', 'axis_1'], output: ['last'] }],
    initializer: [int64s('minus_one', [-1]), int64s('to_end', [TO_END]), int64s('axis_1', [1])],
    input: [valueInfo('logits', type, ['batch', 'seq', 'vocab'])],
    output: [valueInfo('last', type, ['batch', 1, 'vocab'])],
  });
}

/** Input and output names of the KV re-layout graph for `count` cache tensors. */
export const relayoutNames = (count: number) => ({
  cache: Array.from({ length: count }, (_, i) => `cache.${i}`),
  fresh: Array.from({ length: count }, (_, i) => `fresh.${i}`),
  out: Array.from({ length: count }, (_, i) => `out.${i}`),
});

/**
 * The KV cache re-layout, for each of `count` tensors [batch, heads, length, dim]:
 *   out = Slice(Gather(Concat(Pad(cache, cache_pads), Pad(fresh, fresh_pads)), rows), start: axis 2)
 * Pads add zero columns on the left of the length axis so both sources are right-aligned to one length; `rows`
 * picks each output row from the cache (index < batch) or from the fresh prefill (index >= batch), which both
 * compacts finished rows away and copies a prompt's KV to its k samples; `start` drops columns no row needs.
 * Without `withFresh`, the fresh inputs and their pads are left out (compaction only).
 */
export function relayoutGraph(count: number, type: FloatType, withFresh: boolean): Uint8Array {
  const names = relayoutNames(count);
  const node: onnxProto.onnx.INodeProto[] = [];
  for (let i = 0; i < count; i++) {
    node.push({ opType: 'Pad', input: [names.cache[i], 'cache_pads'], output: [`cache_padded.${i}`] });
    let source = `cache_padded.${i}`;
    if (withFresh) {
      node.push({ opType: 'Pad', input: [names.fresh[i], 'fresh_pads'], output: [`fresh_padded.${i}`] });
      node.push({ opType: 'Concat', input: [`cache_padded.${i}`, `fresh_padded.${i}`], output: [`both.${i}`], attribute: [{ name: 'axis', type: INT, i: 0 }] });
      source = `both.${i}`;
    }
    node.push({ opType: 'Gather', input: [source, 'rows'], output: [`picked.${i}`], attribute: [{ name: 'axis', type: INT, i: 0 }] });
    node.push({ opType: 'Slice', input: [`picked.${i}`, 'start', 'to_end', 'axis_2'], output: [names.out[i]] });
  }
  const kv = (name: string, batch: string, length: string) => valueInfo(name, type, [batch, 'heads', length, 'dim']);
  return model({
    name: 'kv_relayout',
    node,
    initializer: [int64s('to_end', [TO_END]), int64s('axis_2', [2])],
    input: [
      ...names.cache.map((n) => kv(n, 'batch', 'length')),
      ...(withFresh ? names.fresh.map((n) => kv(n, 'fresh_batch', 'fresh_length')) : []),
      valueInfo('cache_pads', 'int64', [8]),
      ...(withFresh ? [valueInfo('fresh_pads', 'int64', [8])] : []),
      valueInfo('rows', 'int64', ['rows']),
      valueInfo('start', 'int64', [1]),
    ],
    output: names.out.map((n) => kv(n, 'rows', 'out_length')),
  });
}
