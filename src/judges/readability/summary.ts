import { proseOf, scanWords } from './prose.ts';
import { codePointLength } from './wall-of-text.ts';

/**
 * The summary after the reasoning (R1's readable pattern: |reasoning| then |summary|). Missing when nothing
 * follows `</think>`; too thin when it has fewer words than asked (a bare "42" is an answer, not a summary).
 */
export interface Summary {
  present: boolean;
  chars: number;
  words: number;
}

export function summaryOf(answer: string): Summary {
  const text = answer.replace(/<\/?answer>/g, '').trim();
  // Words of prose plus formulas and numbers as one word each, so "\boxed{27}" counts as one.
  const formulas = (answer.match(/\\boxed\{|\$[^$]+\$|\\\(|\\\[|\d+/g) ?? []).length;
  return { present: text !== '', chars: codePointLength(text), words: scanWords(proseOf(text)) + formulas };
}
