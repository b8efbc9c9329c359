import { isSpaceUnit } from './chars.ts';
import { FENCED_CODE } from './prose.ts';

/** Walls of text: the longest paragraph (blank-line separated, code blocks excluded), in characters. */
export interface WallOfText {
  longestParagraph: number;
  paragraphs: number;
  sample: string;
}

/** Length in code points, as `[...s].length` counts it (a lone surrogate is one), without building the array. */
export function codePointLength(s: string): number {
  return codePointLengthOf(s, 0, s.length);
}

/** codePointLength of s.slice(from, to), without the slice. */
function codePointLengthOf(s: string, from: number, to: number): number {
  let n = to - from;
  for (let i = from; i < to - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * Scans for the separators of paragraphsOf (`\n[ \t]*\n`, leftmost first) and trims each piece in place (`trim()`
 * removes exactly `\s`): no regex split, and only the longest paragraph is ever copied, for its sample.
 */
export function wallOfText(text: string): WallOfText {
  const src = text.includes('```') || text.includes('~~~') ? text.replace(FENCED_CODE, '\n\n') : text;
  const len = src.length;
  let paragraphs = 0;
  let bestStart = 0;
  let bestEnd = 0;
  let bestLength = 0;
  let from = 0;
  for (let i = 0; i <= len; ) {
    let next = -1;
    let to = len;
    if (i < len) {
      i = src.indexOf('\n', i);
      if (i < 0) i = len;
    }
    if (i < len) {
      let j = i + 1;
      while (j < len && (src.charCodeAt(j) === 0x20 || src.charCodeAt(j) === 0x09)) j++;
      if (j >= len || src.charCodeAt(j) !== 0x0a) {
        // No separator starts at i, nor between i and j (only blanks there).
        i = j;
        continue;
      }
      to = i;
      next = j + 1;
    }
    let a = from;
    let b = to;
    while (a < b && isSpaceUnit(src.charCodeAt(a))) a++;
    while (b > a && isSpaceUnit(src.charCodeAt(b - 1))) b--;
    if (b > a) {
      paragraphs++;
      // A paragraph no longer in UTF-16 units than the best cannot be longer in code points.
      if (b - a > bestLength) {
        const length = codePointLengthOf(src, a, b);
        if (length > bestLength) {
          bestStart = a;
          bestEnd = b;
          bestLength = length;
        }
      }
    }
    if (next < 0) break;
    from = i = next;
  }
  return { longestParagraph: bestLength, paragraphs, sample: src.slice(bestStart, Math.min(bestEnd, bestStart + 60)) };
}

/**
 * What one character of a script carries, against a letter of English (measured on parallel human translations, see
 * docs/quality.md): a Han character ~2.3 letters, a kana or hangul character ~1.6. A paragraph's weight is the sum,
 * so one threshold holds for every script: 2,000 weighs the same as ~870 Chinese characters.
 */
export const HAN_WEIGHT = 2.3;
export const KANA_HANGUL_WEIGHT = 1.6;

function weightOf(c: number): number {
  if (c < 0x2e80) return 1;
  if ((c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3134f)) return HAN_WEIGHT;
  if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f)) return KANA_HANGUL_WEIGHT;
  return 1;
}

/** The heaviest paragraph, by script weight; lists, tables and one-step-a-line derivations are not walls. */
export interface WeightedWall {
  /** Weight of the heaviest prose paragraph, in English-letter equivalents (rounded). */
  weight: number;
  /** Its length in code points. */
  chars: number;
  sample: string;
}

/** A paragraph of at least this many lines, averaging at most LINE_WEIGHT each, is structured (a table, a list). */
const STRUCTURED_LINES = 5;
const LINE_WEIGHT = 100;

export function weightedWall(text: string): WeightedWall {
  const src = text.includes('```') || text.includes('~~~') ? text.replace(FENCED_CODE, '\n\n') : text;
  let best: WeightedWall = { weight: 0, chars: 0, sample: '' };
  for (const raw of src.split(/\n[ \t]*\n/)) {
    const p = raw.trim();
    if (p === '' || p.length <= best.weight / HAN_WEIGHT) continue; // cannot outweigh the best
    let weight = 0;
    let chars = 0;
    let lines = 1;
    for (const ch of p) {
      const c = ch.codePointAt(0)!;
      if (c === 0x0a) lines++;
      weight += weightOf(c);
      chars++;
    }
    if (lines >= STRUCTURED_LINES && weight / lines <= LINE_WEIGHT) continue;
    if (weight > best.weight) best = { weight: Math.round(weight), chars, sample: p.slice(0, 60) };
  }
  return best;
}
