import ort from 'onnxruntime-node';

/**
 * Per-layer past key/value tensors, [batch, kvHeads, length, headDim] each, on the host (typed arrays) or on the
 * device (gpu-buffer). A row's valid columns are its last ones (right-aligned); the columns before them are
 * masked out by the attention mask and hold finite values (zeros or an earlier occupant's keys), never NaN.
 */
export type KvCache = ort.Tensor[];

/** Where row i of a re-laid-out cache comes from: a row of the current cache or of a fresh prefill's cache. */
export interface RowSource {
  from: 'cache' | 'fresh';
  row: number;
}

/** A new cache: its rows (in order) and its length; every row keeps its last `length` columns. */
export interface RelayoutPlan {
  rows: readonly RowSource[];
  length: number;
}

/** The empty cache of step 0: [batch, kvHeads, 0, headDim]. */
export function emptyCache(count: number, batch: number, kvHeads: number, headDim: number, type: 'float32' | 'float16'): KvCache {
  const empty = type === 'float16' ? new Uint16Array(0) : new Float32Array(0);
  return Array.from({ length: count }, () => new ort.Tensor(type, empty, [batch, kvHeads, 0, headDim]));
}

type Floats = Float32Array | Uint16Array;

/** Copy row `from` of src ([., heads, srcLen, dim]) into row `to` of dst ([., heads, dstLen, dim]), right-aligned. */
function copyRow(src: Floats, srcLen: number, from: number, dst: Floats, dstLen: number, to: number, heads: number, dim: number): void {
  const cols = Math.min(srcLen, dstLen);
  for (let h = 0; h < heads; h++) {
    const s = ((from * heads + h) * srcLen + (srcLen - cols)) * dim;
    const d = ((to * heads + h) * dstLen + (dstLen - cols)) * dim;
    dst.set(src.subarray(s, s + cols * dim), d);
  }
}

/**
 * A host cache re-laid out by `plan`. When the plan keeps every cache row where it is and the length unchanged
 * (a slot refilled by a new sequence), the fresh rows are written into the cache in place: only the new rows are
 * copied. Otherwise (rows dropped, batch grown, columns trimmed) a new cache is built.
 */
export function relayoutOnHost(cache: KvCache | null, fresh: KvCache | null, plan: RelayoutPlan): KvCache {
  const sources = (c: KvCache | null, from: RowSource['from']) => {
    if (c) return c;
    if (plan.rows.some((r) => r.from === from)) throw new Error(`kv relayout: the plan takes rows from a ${from} cache that is absent`);
    return null;
  };
  const cur = sources(cache, 'cache');
  const add = sources(fresh, 'fresh');
  const template = (cur ?? add)!;
  const batch = cur ? cur[0].dims[0] : 0;
  const length = cur ? cur[0].dims[2] : 0;
  const inPlace =
    cur !== null && plan.length === length && plan.rows.length === batch && plan.rows.every((r, i) => r.from === 'fresh' || r.row === i);
  return template.map((t, i) => {
    const [, heads, , dim] = t.dims;
    const type = t.type as 'float32' | 'float16';
    let out: Floats;
    if (inPlace) {
      out = cur![i].data as Floats;
    } else {
      out = type === 'float16' ? new Uint16Array(plan.rows.length * heads * plan.length * dim) : new Float32Array(plan.rows.length * heads * plan.length * dim);
    }
    plan.rows.forEach((r, to) => {
      if (inPlace && r.from === 'cache') return;
      const src = r.from === 'cache' ? cur![i] : add![i];
      copyRow(src.data as Floats, src.dims[2], r.row, out, plan.length, to, heads, dim);
    });
    return inPlace ? cur![i] : new ort.Tensor(type, out, [plan.rows.length, heads, plan.length, dim]);
  });
}

/** Where a row of a gathered cache comes from: row `row` of `cache` (any host cache: a lane's or a prefill's). */
export interface GatherSource {
  cache: KvCache;
  row: number;
}

/**
 * A new host cache of `sources.length` rows and `length` columns, row i copied (right-aligned: its last columns)
 * from its source. Used to regroup rows of several caches into one; columns a row does not have are zeros.
 */
export function gatherOnHost(sources: readonly GatherSource[], length: number): KvCache {
  const template = sources[0].cache;
  return template.map((t, i) => {
    const [, heads, , dim] = t.dims;
    const type = t.type as 'float32' | 'float16';
    const size = sources.length * heads * length * dim;
    const out: Floats = type === 'float16' ? new Uint16Array(size) : new Float32Array(size);
    sources.forEach((s, to) => {
      const src = s.cache[i];
      copyRow(src.data as Floats, src.dims[2], s.row, out, length, to, heads, dim);
    });
    return new ort.Tensor(type, out, [sources.length, heads, length, dim]);
  });
}
