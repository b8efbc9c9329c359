import { paragraphsOf } from './prose.ts';

/** Walls of text: the longest paragraph (blank-line separated, code blocks excluded), in characters. */
export interface WallOfText {
  longestParagraph: number;
  paragraphs: number;
  sample: string;
}

export function wallOfText(text: string): WallOfText {
  const paras = paragraphsOf(text);
  let best = '';
  for (const p of paras) if ([...p].length > [...best].length) best = p;
  return { longestParagraph: [...best].length, paragraphs: paras.length, sample: best.slice(0, 60) };
}
