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
 * Calls `visit(a, b)` for each non-empty paragraph src.slice(a, b): the pieces between `\n[ \t]*\n` separators
 * (leftmost first, as `split` finds them), trimmed in place as `trim()` trims (exactly `\s`). No regex split and no
 * copies: the judges read the paragraphs of every sample.
 */
function forEachParagraph(src: string, visit: (a: number, b: number) => void): void {
  const len = src.length;
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
    if (b > a) visit(a, b);
    if (next < 0) break;
    from = i = next;
  }
}

const withoutFencedCode = (text: string) => (text.includes('```') || text.includes('~~~') ? text.replace(FENCED_CODE, '\n\n') : text);

/** The longest paragraph (code blocks excluded) in code points; only the longest is ever copied, for its sample. */
export function wallOfText(text: string): WallOfText {
  const src = withoutFencedCode(text);
  let paragraphs = 0;
  let bestStart = 0;
  let bestEnd = 0;
  let bestLength = 0;
  forEachParagraph(src, (a, b) => {
    paragraphs++;
    // A paragraph no longer in UTF-16 units than the best cannot be longer in code points.
    if (b - a > bestLength) {
      const length = codePointLengthOf(src, a, b);
      if (length > bestLength) [bestStart, bestEnd, bestLength] = [a, b, length];
    }
  });
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
const HEAVY = /[^\u0000-\u2e7f]/g;

export function weightedWall(text: string): WeightedWall {
  const src = withoutFencedCode(text);
  let best: WeightedWall = { weight: 0, chars: 0, sample: '' };
  let nextHeavy = -1;
  forEachParagraph(src, (a, b) => {
    if (b - a <= best.weight / HAN_WEIGHT) return; // cannot outweigh the best
    let lines = 1;
    // Below U+2E80 every unit is a code point of weight 1 (surrogates lie above): count those runs natively.
    if (nextHeavy < a) {
      HEAVY.lastIndex = a;
      nextHeavy = HEAVY.exec(src)?.index ?? src.length; // paragraphs come in order: each unit is searched once
    }
    const plainEnd = Math.min(nextHeavy, b);
    for (let nl = src.indexOf('\n', a); nl >= 0 && nl < plainEnd; nl = src.indexOf('\n', nl + 1)) lines++;
    let weight = plainEnd - a;
    let chars = weight;
    // The rest as code points as `for…of` yields them: a surrogate pair is one, a lone surrogate is one of its own.
    for (let i = plainEnd; i < b; i++) {
      let c = src.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < b) {
        const d = src.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
          i++;
        }
      }
      if (c === 0x0a) lines++;
      weight += c < 0x2e80 ? 1 : weightOf(c);
      chars++;
    }
    if (lines >= STRUCTURED_LINES && weight / lines <= LINE_WEIGHT) return;
    if (weight > best.weight) best = { weight: Math.round(weight), chars, sample: src.slice(a, Math.min(b, a + 60)) };
  });
  return best;
}
