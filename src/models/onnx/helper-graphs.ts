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

/** Width of the blocks the token-pick graph splits a row's vocabulary into (about √vocab, a multiple of 64). */
export function pickBlockWidth(vocab: number): number {
  return Math.max(64, 64 * Math.ceil(Math.sqrt(vocab) / 64));
}

/**
 * Picks one token per row on the device, so only the token ids come back to the host instead of every row's
 * logits over the whole vocabulary. Inputs:
 *   logits [batch, seq, vocab]  the model's output (float32 or float16), on the device; the last position is used
 *   rows [n] int64              which batch row each picked row reads (the k samples of a prompt read its one row)
 *   inv_temperature [n, 1]      1 / temperature (float32); 1 for greedy rows
 *   u [n, 1]                    the row's uniform number in [0, 1), drawn on the host from the sample's own stream
 *   greedy [n, 1] bool          argmax instead of sampling
 * Output: tokens [n, 1] int64.
 *
 * Sampling is inverse-CDF, as the host's sampleToken: the first token whose cumulative weight exceeds u × total.
 * onnxruntime's WebGPU CumSum is quadratic in the axis length (each output sums its whole prefix), so the
 * vocabulary is cut into blocks of `width` (padded with zero weights): a CumSum over the block sums picks the
 * block, a one-hot product takes that block out, and a CumSum over it picks the token — O(vocab) work a row.
 * Counts and indices are computed in float32 (exact below 2^24): the WebGPU provider has few int64 kernels, and
 * an op it lacks would run on the CPU with copies to and from the host (checked with onnxruntime's verbose node
 * placement log: every node here runs on the WebGPU provider).
 */
export function tokenPickGraph(type: FloatType, vocab: number): Uint8Array {
  const width = pickBlockWidth(vocab);
  const blocks = Math.ceil(vocab / width);
  const FLOAT = ELEM.float32;
  const BOOL = onnx.TensorProto.DataType.BOOL;
  const floats = (name: string, values: number[], dims = [values.length]): onnxProto.onnx.ITensorProto => ({ name, dataType: FLOAT, dims, floatData: values });
  const axis = (i: number) => ({ name: 'axis', type: INT, i });
  const keep = (i: number) => ({ name: 'keepdims', type: INT, i });
  const n = (opType: string, input: string[], output: string, attribute: onnxProto.onnx.IAttributeProto[] = []): onnxProto.onnx.INodeProto => ({ opType, input, output: [output], attribute });
  const castTo = (to: number) => ({ name: 'to', type: INT, i: to });
  const node: onnxProto.onnx.INodeProto[] = [
    n('Slice', ['logits', 'minus_one', 'to_end', 'axis_1'], 'last'),
    n('Gather', ['last', 'rows'], 'picked', [axis(0)]),
    n('Reshape', ['picked', 'shape_rows_vocab'], type === 'float32' ? 'x' : 'x_typed'),
    ...(type === 'float32' ? [] : [n('Cast', ['x_typed'], 'x', [castTo(FLOAT)])]),
    // Weights: softmax(x / T) to sample; for greedy rows 1 on each maximum and 0 elsewhere, drawn with u = 0, which
    // gives the first maximum (as the host's greedyToken). Not ArgMax: the WebGPU provider cannot Cast its int64
    // output, which would go to the host and back.
    n('Mul', ['x', 'inv_temperature'], 'scaled'),
    n('Softmax', ['scaled'], 'p_sampled', [axis(-1)]),
    n('ReduceMax', ['x'], 'x_max', [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }, keep(1)]),
    n('Equal', ['x', 'x_max'], 'is_max'),
    n('Cast', ['is_max'], 'p_greedy', [castTo(FLOAT)]),
    n('Where', ['greedy', 'p_greedy', 'p_sampled'], 'p'),
    n('Pad', ['p', 'pad_vocab'], 'p_padded'),
    n('Reshape', ['p_padded', 'shape_blocks'], 'p_blocks'),
    n('ReduceSum', ['p_blocks', 'axes_2'], 'block_sum', [keep(0)]),
    n('CumSum', ['block_sum', 'axis_1'], 'cdf_end'),
    n('CumSum', ['block_sum', 'axis_1'], 'cdf_start', [{ name: 'exclusive', type: INT, i: 1 }]),
    n('Slice', ['cdf_end', 'minus_one', 'to_end', 'axis_1'], 'total'),
    n('Mul', ['u', 'total'], 'target'),
    // The block: how many blocks end at or below the target (those whose cdf exceeds it are counted and taken away).
    n('Less', ['target', 'cdf_end'], 'block_above'),
    n('Cast', ['block_above'], 'block_above_f', [castTo(FLOAT)]),
    n('ReduceSum', ['block_above_f', 'axes_1'], 'blocks_above', [keep(1)]),
    n('Sub', ['blocks_f', 'blocks_above'], 'block_raw'),
    n('Min', ['block_raw', 'last_block'], 'block'),
    n('Equal', ['block_iota', 'block'], 'block_hot_b'),
    n('Cast', ['block_hot_b'], 'block_hot', [castTo(FLOAT)]),
    n('Mul', ['cdf_start', 'block_hot'], 'start_masked'),
    n('ReduceSum', ['start_masked', 'axes_1'], 'start', [keep(1)]),
    n('Sub', ['target', 'start'], 'rest'),
    n('Unsqueeze', ['block_hot', 'axes_2'], 'block_hot_3'),
    n('Mul', ['p_blocks', 'block_hot_3'], 'block_masked'),
    n('ReduceSum', ['block_masked', 'axes_1'], 'in_block', [keep(0)]),
    // The token inside the block: the first whose cumulative weight exceeds the rest of the target.
    n('CumSum', ['in_block', 'axis_1'], 'in_block_cdf'),
    n('Less', ['rest', 'in_block_cdf'], 'token_above'),
    n('Cast', ['token_above'], 'token_above_f', [castTo(FLOAT)]),
    n('ReduceSum', ['token_above_f', 'axes_1'], 'tokens_above', [keep(1)]),
    n('Sub', ['width_f', 'tokens_above'], 'offset_raw'),
    n('Min', ['offset_raw', 'last_offset'], 'offset'),
    n('Mul', ['block', 'width_f'], 'block_start'),
    n('Add', ['block_start', 'offset'], 'index_raw'),
    n('Min', ['index_raw', 'last_token'], 'sampled'),
    n('Cast', ['sampled'], 'tokens', [castTo(ELEM.int64)]),
  ];
  return model({
    name: 'token_pick',
    node,
    initializer: [
      int64s('minus_one', [-1]), int64s('to_end', [TO_END]), int64s('axis_1', [1]), int64s('axes_1', [1]), int64s('axes_2', [2]),
      int64s('shape_rows_vocab', [-1, vocab]), int64s('shape_blocks', [-1, blocks, width]),
      int64s('pad_vocab', [0, 0, 0, blocks * width - vocab]),
      floats('blocks_f', [blocks], []), floats('last_block', [blocks - 1], []), floats('width_f', [width], []),
      floats('last_offset', [width - 1], []), floats('last_token', [vocab - 1], []),
      floats('block_iota', Array.from({ length: blocks }, (_, i) => i)),
    ],
    input: [
      valueInfo('logits', type, ['batch', 'seq', vocab]),
      valueInfo('rows', 'int64', ['n']),
      valueInfo('inv_temperature', 'float32', ['n', 1]),
      valueInfo('u', 'float32', ['n', 1]),
      { name: 'greedy', type: { tensorType: { elemType: BOOL, shape: { dim: [{ dimParam: 'n' }, { dimValue: 1 }] } } } },
    ],
    output: [valueInfo('tokens', 'int64', ['n', 1])],
  });
}
