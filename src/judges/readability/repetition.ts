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

export function tokensOf(text: string): string[] {
  return text
    .replace(/([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu, ' $1 ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

export function repetition(text: string, n = 12): Repetition {
  const tokens = tokensOf(text);
  const total = tokens.length - n + 1;
  if (total <= 0) return { n, maxNgramCount: tokens.length ? 1 : 0, duplicateShare: 0, sample: '' };
  const counts = new Map<string, number>();
  let dup = 0;
  let best = 0;
  let bestKey = '';
  for (let i = 0; i < total; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > 1) dup++;
    if (c > best) {
      best = c;
      bestKey = key;
    }
  }
  return { n, maxNgramCount: best, duplicateShare: dup / total, sample: bestKey.slice(0, 80) };
}
