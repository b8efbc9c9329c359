import { paragraphsOf } from './prose.ts';

/** Walls of text: the longest paragraph (blank-line separated, code blocks excluded), in characters. */
export interface WallOfText {
  longestParagraph: number;
  paragraphs: number;
  sample: string;
}

/** Length in code points, as `[...s].length` counts it (a lone surrogate is one), without building the array. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
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

export function wallOfText(text: string): WallOfText {
  const paras = paragraphsOf(text);
  let best = '';
  let bestLength = 0;
  for (const p of paras) {
    // A paragraph no longer in UTF-16 units than the best cannot be longer in code points.
    if (p.length <= bestLength) continue;
    const length = codePointLength(p);
    if (length > bestLength) {
      best = p;
      bestLength = length;
    }
  }
  return { longestParagraph: bestLength, paragraphs: paras.length, sample: best.slice(0, 60) };
}
