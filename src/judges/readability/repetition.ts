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

const HAN_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;

export function tokensOf(text: string): string[] {
  // Han/Kana are rare in most CoTs: test once before the (allocating) global replace.
  const spaced = HAN_KANA.test(text) ? text.replace(/([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu, ' $1 ') : text;
  return spaced.split(/\s+/).filter((t) => t !== '');
}

/**
 * Counts n-grams over token ids instead of joined strings: each window is hashed into an open-addressing table,
 * and windows with the same hash are compared id by id, so counts are exact (a collision never merges two n-grams).
 */
export function repetition(text: string, n = 12): Repetition {
  const tokens = tokensOf(text);
  const total = tokens.length - n + 1;
  if (total <= 0) return { n, maxNgramCount: tokens.length ? 1 : 0, duplicateShare: 0, sample: '' };
  const idOf = new Map<string, number>();
  const ids = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    let id = idOf.get(tokens[i]);
    if (id === undefined) idOf.set(tokens[i], (id = idOf.size));
    ids[i] = id;
  }
  // Table of distinct n-grams (slot → first position + 1, 0 = empty), at most half full.
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
