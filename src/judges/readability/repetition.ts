import { classOf, HAN_KANA, SPACE, unitsOf } from './chars.ts';

/**
 * Repetition loops: the degenerate endings of long CoT where the model says the same thing over and over.
 * Measured on tokens (whitespace-separated pieces; each Han/Kana character is its own token) over word n-grams:
 * - maxNgramCount: how often the most frequent n-gram occurs (a loop repeats one passage many times);
 * - duplicateShare: share of n-gram positions that repeat an earlier n-gram (how much of the text is re-said).
 * Long n-grams (default 12 tokens) keep recurring phrases ("let me check the calculation") and formulas from
 * counting; only passages re-said verbatim do.
 */
export interface Repetition {
  n: number;
  maxNgramCount: number;
  duplicateShare: number;
  /** The most repeated n-gram, clipped, for the reason text. */
  sample: string;
}

/*
 * Tokens are found by a scanner equal to
 *   text.replace(/([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu, ' $1 ').split(/\s+/).filter((t) => t !== '')
 * a token is one Han/Kana code point or a maximal run of units that are neither `\s` nor Han/Kana. Each token's
 * offsets and a hash of its units go to reused buffers, so n-gram counting needs no token strings: the regexes,
 * the split and the string Map were most of the check's time on a long CoT.
 */
let tokStart = new Int32Array(1024);
let tokEnd = new Int32Array(1024);
let tokHash = new Int32Array(1024);

/** The units of the text last scanned (unitsOf's array). */
const NO_UNITS = new Uint16Array(0);
let tokUnits: Uint16Array = NO_UNITS;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Scan the tokens of text into the buffers; returns how many. */
function scanTokens(text: string): number {
  const len = text.length;
  const u = (tokUnits = unitsOf(text));
  // Room for every token up front (at most one per unit), so the loop writes without checks.
  if (tokStart.length < len) {
    let size = 1024;
    while (size < len) size <<= 1;
    tokStart = new Int32Array(size);
    tokEnd = new Int32Array(size);
    tokHash = new Int32Array(size);
  }
  const starts = tokStart;
  const ends = tokEnd;
  const hashes = tokHash;
  let n = 0;
  let start = -1;
  let h = 0;
  let i = 0;
  while (i < len) {
    let c = u[i];
    // Printable ASCII (0x21–0x7f) is never \s nor Han/Kana: most of a CoT extends the current token here.
    if (c > 0x20 && c < 0x80) {
      if (start < 0) {
        start = i;
        h = FNV_OFFSET;
      }
      for (;;) {
        h = Math.imul(h ^ c, FNV_PRIME);
        if (++i === len) break;
        c = u[i];
        if (c <= 0x20 || c >= 0x80) break;
      }
      continue;
    }
    let width = 1;
    let bits = 0;
    if (c < 0x80) {
      if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) bits = SPACE;
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
        const d = u[i + 1];
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
          width = 2;
        }
      }
      bits = classOf(cp);
    }
    if (bits & (SPACE | HAN_KANA)) {
      if (start >= 0) {
        starts[n] = start;
        ends[n] = i;
        hashes[n++] = h;
        start = -1;
      }
      if (bits & HAN_KANA) {
        let k = Math.imul(FNV_OFFSET ^ c, FNV_PRIME);
        if (width === 2) k = Math.imul(k ^ u[i + 1], FNV_PRIME);
        starts[n] = i;
        ends[n] = i + width;
        hashes[n++] = k;
      }
      i += width;
      continue;
    }
    if (start < 0) {
      start = i;
      h = FNV_OFFSET;
    }
    h = Math.imul(h ^ c, FNV_PRIME);
    if (width === 2) h = Math.imul(h ^ u[i + 1], FNV_PRIME);
    i += width;
  }
  if (start >= 0) {
    starts[n] = start;
    ends[n] = len;
    hashes[n++] = h;
  }
  return n;
}

/** Tokens of text as strings (the n-gram count itself reads the scanner's buffers). */
export function tokensOf(text: string): string[] {
  const n = scanTokens(text);
  const out = new Array<string>(n);
  for (let k = 0; k < n; k++) out[k] = text.slice(tokStart[k], tokEnd[k]);
  releaseLarge();
  return out;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

// Reused n-gram table: a long CoT needs one per sample, sized to its token count.
let slotFirst = new Int32Array(2048);
let slotHash = new Int32Array(2048);
let slotCount = new Int32Array(2048);

/** Buffers grown for an unusually long text are dropped after it, not kept for the life of the worker. */
function releaseLarge(): void {
  tokUnits = NO_UNITS;
  if (tokStart.length > 1 << 18) {
    tokStart = new Int32Array(1024);
    tokEnd = new Int32Array(1024);
    tokHash = new Int32Array(1024);
  }
  if (slotFirst.length > 1 << 19) {
    slotFirst = new Int32Array(2048);
    slotHash = new Int32Array(2048);
    slotCount = new Int32Array(2048);
  }
}

/** Are tokens a and b (indices) the same text? The hash rejects most unequal pairs; the units decide. */
function sameToken(u: Uint16Array, a: number, b: number): boolean {
  if (tokHash[a] !== tokHash[b]) return false;
  const as = tokStart[a];
  const bs = tokStart[b];
  const len = tokEnd[a] - as;
  if (tokEnd[b] - bs !== len) return false;
  for (let j = 0; j < len; j++) if (u[as + j] !== u[bs + j]) return false;
  return true;
}

/**
 * Counts n-grams without joined strings: each window gets a rolling hash of its token hashes into an
 * open-addressing table, and windows with the same hash are compared token by token (units, not hashes), so
 * counts are exact (a collision never merges two n-grams, and the result does not depend on the hash function).
 */
export function repetition(text: string, n = 12): Repetition {
  const count = scanTokens(text);
  const total = count - n + 1;
  let result: Repetition;
  if (total <= 0) result = { n, maxNgramCount: count ? 1 : 0, duplicateShare: 0, sample: '' };
  // A window length that is not a positive integer (no caller uses one) keeps the previous per-window loop.
  else if (!Number.isInteger(n) || n < 1) result = repetitionOfTokens(tokensOf(text), n);
  else result = countNgrams(text, count, n);
  releaseLarge();
  return result;
}

function countNgrams(text: string, count: number, n: number): Repetition {
  const total = count - n + 1;
  let size = 16;
  while (size < total * 2) size <<= 1;
  if (slotFirst.length < size) {
    slotFirst = new Int32Array(size);
    slotHash = new Int32Array(size);
    slotCount = new Int32Array(size);
  } else {
    slotFirst.fill(0, 0, size);
    slotCount.fill(0, 0, size);
  }
  const first = slotFirst;
  const hashes = slotHash;
  const counts = slotCount;
  const th = tokHash;
  // The units scanTokens loaded for this text.
  const u = tokUnits;
  const mask = size - 1;
  // Polynomial hash of the window, rolled one token at a time: h = Σ th[i+j]·B^(n-1-j) mod 2^32.
  const B = FNV_PRIME;
  let top = 1;
  for (let j = 1; j < n; j++) top = Math.imul(top, B);
  let roll = 0;
  for (let j = 0; j < n; j++) roll = (Math.imul(roll, B) + th[j]) | 0;
  let dup = 0;
  let best = 0;
  let bestAt = 0;
  let prevAt = -2;
  let prevFirst = -2;
  for (let i = 0; i < total; i++) {
    if (i > 0) roll = (Math.imul((roll - Math.imul(th[i - 1], top)) | 0, B) + th[i + n - 1]) | 0;
    const h = mix(roll);
    let slot = h & mask;
    for (;;) {
      const f = first[slot] - 1;
      if (f < 0) {
        first[slot] = i + 1;
        hashes[slot] = h;
        break;
      }
      if (hashes[slot] === h) {
        // Inside a loop each window repeats the one after the previous window's match: those share n - 1 tokens
        // already compared, so only the last needs a look.
        let same = true;
        for (let j = f === prevFirst + 1 && i === prevAt + 1 ? n - 1 : 0; same && j < n; j++) same = sameToken(u, f + j, i + j);
        if (same) {
          dup++;
          prevAt = i;
          prevFirst = f;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    const c = ++counts[slot];
    if (c > best) {
      best = c;
      bestAt = first[slot] - 1;
    }
  }
  let sample = '';
  for (let k = bestAt; k < bestAt + n && k < count && sample.length < 80; k++) sample += (k > bestAt ? ' ' : '') + text.slice(tokStart[k], tokEnd[k]);
  return { n, maxNgramCount: best, duplicateShare: dup / total, sample: sample.slice(0, 80) };
}

/**
 * The previous implementation, kept verbatim for window lengths that are not positive integers (no caller uses
 * them) so that even those give the same numbers: with n <= 0 its FNV start value never equals a stored Int32
 * hash, so no window counts as a repeat. Exported as the reference bench/readability.bench.ts times the scanner against.
 */
export function repetitionOfTokens(tokens: string[], n: number): Repetition {
  const total = tokens.length - n + 1;
  if (total <= 0) return { n, maxNgramCount: tokens.length ? 1 : 0, duplicateShare: 0, sample: '' };
  const idOf = new Map<string, number>();
  const ids = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    let id = idOf.get(tokens[i]);
    if (id === undefined) idOf.set(tokens[i], (id = idOf.size));
    ids[i] = id;
  }
  let size = 16;
  while (size < total * 2) size <<= 1;
  const mask = size - 1;
  const slotFirst = new Int32Array(size);
  const slotHash = new Int32Array(size);
  const slotCount = new Int32Array(size);
  let dup = 0;
  let best = 0;
  let bestAt = 0;
  for (let i = 0; i < total; i++) {
    let h = 0x811c9dc5;
    for (let j = 0; j < n; j++) h = Math.imul(h ^ ids[i + j], 0x01000193);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const f = slotFirst[slot] - 1;
      if (f < 0) {
        slotFirst[slot] = i + 1;
        slotHash[slot] = h;
        break;
      }
      if (slotHash[slot] === h) {
        let same = true;
        for (let j = 0; j < n; j++) {
          if (ids[f + j] !== ids[i + j]) {
            same = false;
            break;
          }
        }
        if (same) {
          dup++;
          break;
        }
      }
      slot = (slot + 1) & mask;
    }
    const c = ++slotCount[slot];
    if (c > best) {
      best = c;
      bestAt = slotFirst[slot] - 1;
    }
  }
  return { n, maxNgramCount: best, duplicateShare: dup / total, sample: tokens.slice(bestAt, bestAt + n).join(' ').slice(0, 80) };
}
