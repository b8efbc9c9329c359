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
