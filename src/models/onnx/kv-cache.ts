import ort from 'onnxruntime-node';

/**
 * Per-layer past key/value tensors, [batch, kvHeads, length, headDim] each. Rows are copied as raw elements,
 * so the same code serves float32 (Float32Array) and float16 (Uint16Array) caches.
 */
export type KvCache = ort.Tensor[];

/** The empty cache of step 0: [batch, kvHeads, 0, headDim]. */
export function emptyCache(count: number, batch: number, kvHeads: number, headDim: number, type: 'float32' | 'float16'): KvCache {
  const empty = type === 'float16' ? new Uint16Array(0) : new Float32Array(0);
  return Array.from({ length: count }, () => new ort.Tensor(type, empty, [batch, kvHeads, 0, headDim]));
}

/**
 * A cache whose row i is row `rows[i]` of `cache`: expands a prompt's KV to its k samples (rows repeated) and
 * drops finished sequences (rows left out), without recomputing anything.
 */
export function selectRows(cache: KvCache, rows: readonly number[]): KvCache {
  return cache.map((t) => {
    const [, heads, length, dim] = t.dims;
    const rowSize = heads * length * dim;
    const src = t.data as Float32Array | Uint16Array;
    const out = new (src.constructor as Float32ArrayConstructor | Uint16ArrayConstructor)(rows.length * rowSize);
    rows.forEach((r, i) => out.set(src.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize));
    return new ort.Tensor(t.type as 'float32' | 'float16', out, [rows.length, heads, length, dim]);
  });
}
