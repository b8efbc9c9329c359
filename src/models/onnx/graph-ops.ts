import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Operators whose graphs the sampler cannot run correctly, with why and what to do. onnxruntime-genai's model
 * builder writes attention as com.microsoft GroupQueryAttention, which takes each row's length from the
 * attention mask's sum and assumes no left padding: the sampler's left-padded batches would be computed wrong
 * (measured in models/export/fixtures.py: exact for an unpadded row, logits off by ~6 for a padded one).
 */
const UNSUPPORTED_OPS: Record<string, string> = {
  GroupQueryAttention:
    "com.microsoft GroupQueryAttention (the layout of onnxruntime-genai's model builder): the op takes each row's length from the " +
    "attention mask's sum and assumes no left padding, so the sampler's left-padded batches would be computed wrong. Use an export in " +
    'the Hugging Face Optimum / transformers.js layout (optimum-cli export onnx, the onnx-community repositories, or ' +
    'models/export/decoder_graph.py), or run this one with onnxruntime-genai',
};

/** A NodeProto's op_type is field 4, a length-delimited string: tag 0x22, the length, the name. */
function opTypeField(op: string): Buffer {
  return Buffer.concat([Buffer.from([0x22, op.length]), Buffer.from(op, 'latin1')]);
}

/**
 * The unsupported operators a graph file uses, found by scanning its protobuf bytes for the node op_type fields
 * (the graph only: external weights live in another file). Reads in chunks, so a 2 GB graph costs no 2 GB buffer.
 */
export function unsupportedOps(modelFile: string): { op: string; why: string }[] {
  const patterns = Object.keys(UNSUPPORTED_OPS).map((op) => ({ op, bytes: opTypeField(op) }));
  const overlap = Math.max(...patterns.map((p) => p.bytes.length)) - 1;
  const found = new Set<string>();
  const fd = openSync(modelFile, 'r');
  try {
    const chunk = Buffer.alloc(16 * 2 ** 20 + overlap);
    let carried = 0;
    for (;;) {
      const n = readSync(fd, chunk, carried, chunk.length - carried, null);
      const filled = carried + n;
      const view = chunk.subarray(0, filled);
      for (const p of patterns) if (view.includes(p.bytes)) found.add(p.op);
      if (n === 0 || found.size === patterns.length) break;
      carried = Math.min(overlap, filled);
      chunk.copy(chunk, 0, filled - carried, filled);
    }
  } finally {
    closeSync(fd);
  }
  return [...found].map((op) => ({ op, why: UNSUPPORTED_OPS[op] }));
}
