/**
 * IEEE half-precision → float32. onnxruntime-node on Node 20 hands float16 tensors over as Uint16Array
 * (Node 20 has no Float16Array); a 64k-entry table makes the conversion a lookup.
 */
let table: Float32Array | null = null;

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function halfTable(): Float32Array {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfToFloat(h);
  }
  return table;
}

/** Copy `length` halves starting at `offset` into `out` as float32. */
export function halvesToFloats(src: Uint16Array, offset: number, length: number, out: Float32Array): Float32Array {
  const t = halfTable();
  for (let i = 0; i < length; i++) out[i] = t[src[offset + i]];
  return out;
}
