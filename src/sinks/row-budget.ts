/**
 * Approximate size of a row in bytes: string lengths (UTF-16 units, close to UTF-8 bytes for the mostly-ASCII
 * text of CoT corpora) plus 8 per scalar. Cheap enough to run on every row, exact enough to bound groups and shards.
 */
export function approxRowBytes(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value === null || value === undefined) return 1;
  if (typeof value !== 'object') return 8;
  let n = 0;
  if (Array.isArray(value)) for (const v of value) n += approxRowBytes(v);
  else for (const k in value as Record<string, unknown>) n += approxRowBytes((value as Record<string, unknown>)[k]);
  return n;
}

/**
 * Consecutive [start, end) ranges over `sizes`, each with at most `maxRows` items and at most `maxBytes`
 * bytes (a single item larger than `maxBytes` gets a range of its own). Empty input: no ranges.
 */
export function splitByBudget(sizes: number[], maxRows: number, maxBytes: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < sizes.length; i++) {
    if (i > start && (i - start >= maxRows || bytes + sizes[i] > maxBytes)) {
      out.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += sizes[i];
  }
  if (sizes.length > start) out.push([start, sizes.length]);
  return out;
}
