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

/** Sentence openings of thinking, not of a summary: "Wait,", "Hmm", "Let me check", "Alternatively", "等等". */
const THINKING =
  /(?:^|[.!?。！？\n]\s*)(?:\*\*)?(?:wait\b|hmm+\b|hold on\b|but wait\b|let me (?:re|double|check|verify|try|think|see|recompute|reconsider)|let's (?:re|double-check|check|verify|try|see|think|reconsider)|alternatively\b|actually,? (?:i|let|wait)\b|maybe i\b|i (?:think|need to|should|wonder|made)\b|oh,? (?:wait|no)\b|no,? wait\b|等等|等一下|让我(?:再|重新|检查|想)|嗯|不对|或者我)/gi;
/** The start of another problem after the answer: "Problem 2:", "Next question", "Human:", "下一题". */
const ANOTHER_PROBLEM =
  /(?:^|\n)\s*(?:#+\s*|\*\*)?(?:(?:problem|question|exercise|example)\s*(?:\d+|[ivx]+)?\s*[:.)]|(?:next|new|another) (?:problem|question)\b|(?:human|user|assistant)\s*:|<\|(?:im_start|user)\|>|(?:问题|题目|例题?)\s*\d*\s*[:：]|下一题)/i;

/**
 * Text after `</think>` that is not a summary: it goes on reasoning (two or more sentences that open like thinking,
 * or a new `<think>`), or it starts another problem. Null when it reads as a summary.
 */
export function notASummary(answer: string): string | null {
  const another = ANOTHER_PROBLEM.exec(answer);
  if (another) return `the text after </think> starts another problem: "${answer.slice(another.index, another.index + 50).trim()}…"`;
  if (answer.includes('<think>')) return 'the text after </think> opens another <think>';
  const thinking = answer.match(THINKING) ?? [];
  if (thinking.length >= 2) return `the text after </think> goes on reasoning (${thinking.length} sentences open like thinking: ${thinking.slice(0, 2).map((t) => JSON.stringify(t.replace(/^[.!?。！？\s*]+/u, '').trim())).join(', ')})`;
  return null;
}
