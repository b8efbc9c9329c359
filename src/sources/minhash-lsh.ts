/**
 * MinHash signatures over word shingles with an LSH band index (Broder 1997; Leskovec et al., "Mining of
 * Massive Datasets", ch. 3). Seeded and deterministic: the same texts in the same order give the same answers
 * on every machine. Memory is compact and independent of text length: per indexed text, `numPerm` 16-bit
 * signature values (b-bit minwise hashing, Li & König 2010: the low 16 bits estimate Jaccard with a bias of
 * (1 - J) / 65536) plus one 8-byte slot per band at load factor ≤ 0.5, and the text's id.
 */

export interface MinHashOptions {
  /** Estimated Jaccard similarity at or above which a text is a near-duplicate. */
  threshold: number;
  /** Hash permutations per signature. */
  numPerm: number;
  /** Words per shingle. */
  shingleSize: number;
  /** Seed of the permutation family; a different seed is a different (equally valid) index. */
  seed: number;
  /** LSH bands × rows per band (≤ numPerm); chosen from the threshold when omitted. */
  bands?: number;
  rows?: number;
  /**
   * Texts indexed under one band bucket at most. Templated prompt sets ("A crate holds 12 apples …") put a fixed share
   * of all texts in a few buckets (bands made only of template shingles), and verifying every member of such a
   * bucket made each check O(texts indexed): the 800k scale build spent minutes there. A full bucket keeps its first
   * members and takes no more; a text is still indexed under its other bands, so a duplicate is missed only when it
   * meets its original in full buckets alone (see the recall test). Infinity: exact, unbounded.
   */
  maxBucketSize?: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { threshold: 0.8, numPerm: 64, shingleSize: 3, seed: 1, maxBucketSize: 512 };

/** NFKC, lower case; tokens are runs of letters/digits and single other symbols (so `2+3` ≠ `2*3`). */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}\p{M}]+|[^\s\p{L}\p{N}\p{M}]/gu) ?? [];
}

/** murmur3's 32-bit finaliser: a bijection on uint32 with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over UTF-16 code units, finalised. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h);
}

function combine(h: number, v: number): number {
  return fmix32(Math.imul(h ^ v, 0x9e3779b1) + 0x7f4a7c15);
}

/** Hashes of the word shingles of a text; a text shorter than one shingle is one shingle; no words: none. */
export function shingleHashes(text: string, shingleSize: number): Uint32Array {
  const words = tokenize(text).map(hashString);
  if (words.length === 0) return new Uint32Array(0);
  const n = Math.max(1, words.length - shingleSize + 1);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x1b873593;
    for (let j = i; j < Math.min(words.length, i + shingleSize); j++) h = combine(h, words[j]);
    out[i] = h;
  }
  return out;
}

/** splitmix32: a small seeded generator for the permutation constants. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    return fmix32(s);
  };
}

/** Probability that a pair with Jaccard s becomes an LSH candidate with b bands of r rows. */
export function candidateProbability(s: number, b: number, r: number): number {
  return 1 - (1 - s ** r) ** b;
}

/**
 * Bands and rows minimising the weighted false-positive and false-negative areas around the threshold (the rule
 * datasketch uses), by the trapezoid rule. False negatives weigh 0.9: every candidate is verified against its
 * signature, so a false positive costs one comparison while a false negative keeps a duplicate.
 */
export function optimalBands(threshold: number, numPerm: number, falsePositiveWeight = 0.1): { bands: number; rows: number } {
  const area = (lo: number, hi: number, f: (s: number) => number) => {
    const steps = 200;
    const dx = (hi - lo) / steps;
    let sum = 0;
    for (let i = 0; i <= steps; i++) sum += f(lo + i * dx) * (i === 0 || i === steps ? 0.5 : 1);
    return sum * dx;
  };
  let best = { bands: 1, rows: numPerm, error: Infinity };
  for (let b = 1; b <= numPerm; b++) {
    for (let r = 1; r <= Math.floor(numPerm / b); r++) {
      const fp = area(0, threshold, (s) => candidateProbability(s, b, r));
      const fn = area(threshold, 1, (s) => 1 - candidateProbability(s, b, r));
      const error = falsePositiveWeight * fp + (1 - falsePositiveWeight) * fn;
      if (error < best.error - 1e-12) best = { bands: b, rows: r, error };
    }
  }
  return { bands: best.bands, rows: best.rows };
}

export interface NearDuplicate {
  /** Id of the earlier indexed text this one duplicates. */
  duplicateOf: string;
  /** Jaccard similarity estimated from the two signatures. */
  jaccard: number;
}

const PAGE_DOCS = 1 << 14;

/** A growable MinHash LSH index. `checkAndAdd` is the one operation a streaming filter needs. */
export class MinHashLsh {
  readonly options: Required<MinHashOptions>;
  private readonly mulA: Uint32Array;
  private readonly addB: Uint32Array;
  private readonly pages: Uint16Array[] = [];
  private readonly ids = new IdList();
  /** Band entries not made because their bucket was full (see maxBucketSize). */
  private skipped = 0;
  private seen = new Uint32Array(0);
  private checks = 0;
  private verified = 0;
  // Open-addressing multimap for all bands (key = hash(band, band values), value = doc index, -1 empty), split by the
  // key's top bits into TABLES parts that grow on their own: a grow then copies 1/64 of the entries, not all of them
  // (a single table peaked at old + new = 3× its size while growing), and a load of up to 0.7 wastes less.
  private readonly tables: BandTable[] = Array.from({ length: TABLES }, () => newBandTable(1 << 8));

  constructor(options: Partial<MinHashOptions> = {}) {
    const o = { ...DEFAULT_MINHASH, ...options };
    if (!(o.threshold > 0 && o.threshold <= 1)) throw new RangeError(`near-dedupe: threshold must be in (0, 1], got ${o.threshold}`);
    if (!Number.isInteger(o.numPerm) || o.numPerm < 2 || o.numPerm > 1024) throw new RangeError(`near-dedupe: numPerm must be an integer in [2, 1024], got ${o.numPerm}`);
    if (!Number.isInteger(o.shingleSize) || o.shingleSize < 1) throw new RangeError(`near-dedupe: shingleSize must be a positive integer, got ${o.shingleSize}`);
    const maxBucketSize = o.maxBucketSize ?? Infinity;
    if (!(maxBucketSize >= 1) || (maxBucketSize !== Infinity && !Number.isInteger(maxBucketSize))) throw new RangeError(`near-dedupe: maxBucketSize must be a positive integer or Infinity, got ${o.maxBucketSize}`);
    const { bands, rows } = o.bands && o.rows ? { bands: o.bands, rows: o.rows } : optimalBands(o.threshold, o.numPerm);
    if (bands * rows > o.numPerm) throw new RangeError(`near-dedupe: bands × rows (${bands}×${rows}) exceeds numPerm ${o.numPerm}`);
    this.options = { ...o, bands, rows, maxBucketSize };
    const rnd = splitmix32(o.seed);
    this.mulA = new Uint32Array(o.numPerm);
    this.addB = new Uint32Array(o.numPerm);
    for (let i = 0; i < o.numPerm; i++) {
      this.mulA[i] = rnd() | 1; // odd: multiplication mod 2^32 is then a bijection
      this.addB[i] = rnd();
    }
  }

  /** Number of indexed texts. */
  get size(): number {
    return this.ids.length;
  }

  /** Band entries left out because their bucket was full. */
  get bucketOverflows(): number {
    return this.skipped;
  }

  /** Candidate signatures compared so far: the index's work, bounded by bands × maxBucketSize a check. */
  get comparisons(): number {
    return this.verified;
  }

  /** Bytes held by the index (its typed arrays). */
  get bytes(): number {
    let tableBytes = 0;
    for (const t of this.tables) tableBytes += t.keys.byteLength + t.docs.byteLength;
    return this.pages.length * PAGE_DOCS * this.options.numPerm * 2 + tableBytes + this.ids.bytes + this.seen.byteLength;
  }

  /** Full 32-bit MinHash signature of a text (all 0xffffffff when it has no words). */
  signature(text: string): Uint32Array {
    const { numPerm, shingleSize } = this.options;
    const sig = new Uint32Array(numPerm).fill(0xffffffff);
    const shingles = shingleHashes(text, shingleSize);
    const a = this.mulA;
    const b = this.addB;
    for (let s = 0; s < shingles.length; s++) {
      const h = shingles[s];
      for (let i = 0; i < numPerm; i++) {
        const v = fmix32((Math.imul(h, a[i]) + b[i]) | 0);
        if (v < sig[i]) sig[i] = v;
      }
    }
    return sig;
  }

  /** Jaccard estimated from two signatures (fraction of equal values). */
  static estimate(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let eq = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
    return eq / a.length;
  }

  /**
   * If the text is a near-duplicate of an indexed one, say which (highest estimate; the earliest on ties) and
   * do not index it; otherwise index it under `id` and return null. Texts without words are never duplicates.
   */
  checkAndAdd(id: string, text: string): NearDuplicate | null {
    const sig = this.signature(text);
    if (sig[0] === 0xffffffff && sig.every((v) => v === 0xffffffff)) return null;
    const bandKeys = this.bandKeys(sig);
    const low = new Uint16Array(sig.length);
    for (let i = 0; i < sig.length; i++) low[i] = sig[i] & 0xffff;
    let best: { doc: number; jaccard: number } | null = null;
    // Docs already verified in this check: stamped with the check's number (a Set cost more than the comparisons).
    const stamp = ++this.checks;
    if (this.seen.length < this.ids.length) {
      const next = new Uint32Array(Math.max(1024, this.ids.length * 2));
      next.set(this.seen);
      this.seen = next;
    }
    const seen = this.seen;
    const bucketSizes = new Uint32Array(bandKeys.length);
    for (let band = 0; band < bandKeys.length; band++) {
      const key = bandKeys[band];
      const { keys, docs } = this.tables[key >>> TABLE_SHIFT];
      const mask = keys.length - 1;
      for (let slot = key & mask; docs[slot] !== -1; slot = (slot + 1) & mask) {
        if (keys[slot] !== key) continue;
        bucketSizes[band]++;
        const doc = docs[slot];
        if (seen[doc] === stamp) continue;
        seen[doc] = stamp;
        this.verified++;
        const j = this.estimateAgainst(doc, low);
        if (j >= this.options.threshold && (!best || j > best.jaccard || (j === best.jaccard && doc < best.doc))) best = { doc, jaccard: j };
      }
    }
    if (best) return { duplicateOf: this.ids.get(best.doc), jaccard: best.jaccard };
    this.add(id, low, bandKeys, bucketSizes);
    return null;
  }

  private bandKeys(sig: Uint32Array): Uint32Array {
    const { bands, rows } = this.options;
    const out = new Uint32Array(bands);
    for (let band = 0; band < bands; band++) {
      let h = fmix32(band + 0x3c6ef372);
      for (let r = 0; r < rows; r++) h = combine(h, sig[band * rows + r]);
      out[band] = h;
    }
    return out;
  }

  /** Estimated Jaccard against an indexed doc, or -1 as soon as it cannot reach the threshold (most candidates). */
  private estimateAgainst(doc: number, low: Uint16Array): number {
    const n = this.options.numPerm;
    const page = this.pages[Math.floor(doc / PAGE_DOCS)];
    const off = (doc % PAGE_DOCS) * n;
    const maxMisses = n - Math.ceil(this.options.threshold * n - 1e-9);
    let misses = 0;
    for (let i = 0; i < n; i++) if (page[off + i] !== low[i] && ++misses > maxMisses) return -1;
    return (n - misses) / n;
  }


  private add(id: string, low: Uint16Array, bandKeys: Uint32Array, bucketSizes: Uint32Array): void {
    const doc = this.ids.length;
    const n = this.options.numPerm;
    if (doc % PAGE_DOCS === 0) this.pages.push(new Uint16Array(PAGE_DOCS * n));
    this.pages[this.pages.length - 1].set(low, (doc % PAGE_DOCS) * n);
    this.ids.push(id);
    for (let band = 0; band < bandKeys.length; band++) {
      if (bucketSizes[band] >= this.options.maxBucketSize) {
        this.skipped++;
        continue;
      }
      const key = bandKeys[band];
      const t = this.tables[key >>> TABLE_SHIFT];
      if ((t.used + 1) > t.keys.length * MAX_LOAD) this.tables[key >>> TABLE_SHIFT] = grown(t);
      insert(this.tables[key >>> TABLE_SHIFT], key, doc);
    }
  }
}

const TABLE_SHIFT = 26;
const TABLES = 1 << (32 - TABLE_SHIFT);
const MAX_LOAD = 0.7;

interface BandTable {
  keys: Uint32Array;
  docs: Int32Array;
  used: number;
}

function newBandTable(size: number): BandTable {
  return { keys: new Uint32Array(size), docs: new Int32Array(size).fill(-1), used: 0 };
}

function insert(t: BandTable, key: number, doc: number): void {
  const mask = t.keys.length - 1;
  let slot = key & mask;
  while (t.docs[slot] !== -1) slot = (slot + 1) & mask;
  t.keys[slot] = key;
  t.docs[slot] = doc;
  t.used++;
}

/** The table at twice the size. Probing order within one key does not matter: lookups visit all its entries. */
function grown(t: BandTable): BandTable {
  const next = newBandTable(t.keys.length * 2);
  for (let i = 0; i < t.keys.length; i++) if (t.docs[i] !== -1) insert(next, t.keys[i], t.docs[i]);
  return next;
}

/**
 * Ids of the indexed texts as UTF-8 bytes in one growing buffer plus offsets: ~(length + 4) bytes an id, where a
 * JS string array costs ~40 (the ids are only read back to name the original of a duplicate).
 */
class IdList {
  private buf = new Uint8Array(1 << 16);
  private ends = new Uint32Array(1 << 12);
  private used = 0;
  length = 0;
  private static readonly encoder = new TextEncoder();
  private static readonly decoder = new TextDecoder();

  get bytes(): number {
    return this.buf.byteLength + this.ends.byteLength;
  }

  push(id: string): void {
    // Worst case 3 bytes a UTF-16 unit.
    while (this.used + id.length * 3 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.used += IdList.encoder.encodeInto(id, this.buf.subarray(this.used)).written;
    if (this.length === this.ends.length) {
      const next = new Uint32Array(this.ends.length * 2);
      next.set(this.ends);
      this.ends = next;
    }
    this.ends[this.length++] = this.used;
  }

  get(i: number): string {
    return IdList.decoder.decode(this.buf.subarray(i === 0 ? 0 : this.ends[i - 1], this.ends[i]));
  }
}
