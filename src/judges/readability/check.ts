import { verdict, type Verdict, type VerdictCategory } from '../../../schemas/verdict.ts';
import { splitResponse } from '../../../schemas/response.ts';
import { codeBlocks } from './code-blocks.ts';
import { baseLanguage, guessLanguage, isScriptLanguage, languageConsistency, type LanguageIdentifier } from './language.ts';
import { repetition } from './repetition.ts';
import { notASummary, summaryOf } from './summary.ts';
import { truncation } from './truncation.ts';
import { weightedWall } from './wall-of-text.ts';

// The checks themselves, apart from the judge (index.ts): the worker thread loads only this, so the judge's
// main-thread helpers (the compact identifier, the pool) stay out of its bundle.

/**
 * Thresholds of the readability judge. Defaults were chosen on real long-CoT outputs (Sky-T1 and
 * R1-Distill-Qwen-32B, see docs/quality.md for the numbers); set them per pipeline.
 */
export interface ReadabilityThresholds {
  /** Target language of the reasoning; default: the prompt's `meta.language`, else guessed from the prompt. */
  language?: string;
  /** Fail below this share of target-language words in the reasoning. */
  minLanguageShare?: number;
  /** Fail when this many consecutive words are in another language (mixing). */
  maxForeignRun?: number;
  /** n-gram length (tokens) of the repetition check. */
  repetitionN?: number;
  /** Fail when one n-gram occurs this many times or more (a loop). */
  maxNgramRepeats?: number;
  /** Fail when this share or more of the n-grams repeat an earlier one. */
  maxDuplicateShare?: number;
  /**
   * Fail when a prose paragraph weighs more than this many English letters: a Han character weighs 2.3, kana and
   * hangul 1.6 (so the default 2,000 is ~870 Chinese characters); lists and tables of short lines are not walls.
   */
  maxParagraphChars?: number;
  /** Domains where code blocks in the reasoning are fine. */
  codeDomains?: string[];
  /** Fail when the summary after `</think>` has fewer words than this. */
  minSummaryWords?: number;
  /** The chat template pre-fills `<think>` (the response starts inside the reasoning). */
  prefilledThink?: boolean;
}

export const DEFAULT_READABILITY: Required<Omit<ReadabilityThresholds, 'language'>> = {
  minLanguageShare: 0.9,
  maxForeignRun: 10,
  repetitionN: 12,
  maxNgramRepeats: 16,
  maxDuplicateShare: 0.5,
  maxParagraphChars: 2000,
  codeDomains: ['code'],
  minSummaryWords: 1,
  prefilledThink: false,
};

export type DefectKind = 'language-mixing' | 'repetition-loop' | 'wall-of-text' | 'code-in-reasoning' | 'truncated' | 'no-summary';

/**
 * The verdict category of each defect, in the order that picks a failing verdict's category when there are several:
 * the cause before its consequences (a loop that runs into the token limit is a repetition first, a response cut
 * off has no summary because it was cut off). `detail.defects` still lists every defect found.
 */
export const DEFECT_CATEGORY: Readonly<Record<DefectKind, VerdictCategory>> = {
  'repetition-loop': 'repetition',
  truncated: 'truncated',
  'language-mixing': 'language_mixing',
  'wall-of-text': 'wall_of_text',
  'code-in-reasoning': 'code_in_reasoning',
  'no-summary': 'no_summary',
};
const DEFECT_PRIORITY = Object.keys(DEFECT_CATEGORY) as DefectKind[];

/** The category of a failing report: its defect that comes first in DEFECT_CATEGORY's order. */
export function categoryOfDefects(defects: readonly Defect[]): VerdictCategory {
  const kinds = new Set(defects.map((d) => d.kind));
  const first = DEFECT_PRIORITY.find((k) => kinds.has(k));
  return first ? DEFECT_CATEGORY[first] : 'ok';
}

export interface Defect {
  kind: DefectKind;
  reason: string;
}

export interface ReadabilityInput {
  response: string;
  finishReason?: string;
  /** Target language (overrides guessing). */
  language?: string;
  /** Prompt text, to guess the target language when none is given. */
  prompt?: string;
  domain?: string;
}

export interface ReadabilityReport {
  defects: Defect[];
  languageConsistency: number;
  targetLanguage: string;
  metrics: Record<string, unknown>;
}

/** Every check on one response: a pure function once the identifier (for non-script languages) is given. */
export function checkReadability(input: ReadabilityInput, thresholds: ReadabilityThresholds = {}, identify?: LanguageIdentifier): ReadabilityReport {
  const t = { ...DEFAULT_READABILITY, ...thresholds };
  const response = t.prefilledThink && !input.response.trimStart().startsWith('<think>') ? '<think>' + input.response : input.response;
  const parts = splitResponse(response);
  const thinkOpened = response.includes('<think>');
  const target = baseLanguage(thresholds.language ?? input.language ?? guessLanguage(input.prompt ?? '', identify));
  const defects: Defect[] = [];

  const lang = languageConsistency(parts.reasoning, target, identify);
  if (lang.share < t.minLanguageShare) defects.push({ kind: 'language-mixing', reason: `only ${pct(lang.share)} of the reasoning's words are in ${target} (minimum ${pct(t.minLanguageShare)})` });
  else if (lang.longestForeignRun >= t.maxForeignRun) defects.push({ kind: 'language-mixing', reason: `${lang.longestForeignRun} consecutive words not in ${target}: "${lang.foreignRunSample}"` });

  // The reasoning and the summary apart: a summary that restates the reasoning is not a loop.
  const reps = [repetition(parts.reasoning, t.repetitionN), repetition(parts.answer, t.repetitionN)];
  const rep = reps[0].maxNgramCount >= reps[1].maxNgramCount ? reps[0] : reps[1];
  const dupShare = Math.max(reps[0].duplicateShare, reps[1].duplicateShare);
  if (rep.maxNgramCount >= t.maxNgramRepeats) defects.push({ kind: 'repetition-loop', reason: `a ${t.repetitionN}-token passage occurs ${rep.maxNgramCount} times: "${rep.sample}"` });
  else if (dupShare >= t.maxDuplicateShare) defects.push({ kind: 'repetition-loop', reason: `${pct(dupShare)} of the text repeats earlier passages` });

  const wall = weightedWall(response);
  if (wall.weight > t.maxParagraphChars) {
    const weighs = wall.weight === wall.chars ? '' : `, weighing ${wall.weight} English letters`;
    defects.push({ kind: 'wall-of-text', reason: `a paragraph of ${wall.chars} characters${weighs} (maximum ${t.maxParagraphChars}): "${wall.sample}…"` });
  }

  const code = codeBlocks(parts.reasoning);
  const domain = input.domain ?? 'general';
  if (code.fenced > 0 && !t.codeDomains.includes(domain)) defects.push({ kind: 'code-in-reasoning', reason: `${code.fenced} code block(s) in the reasoning of a ${domain} task` });

  const trunc = truncation(response, input.finishReason, thinkOpened, parts.thinkClosed);
  if (trunc.truncated) {
    const why = { length: 'the backend stopped at the token limit', 'unclosed-think': 'the reasoning never closes (no </think>)', 'mid-sentence': `it stops mid-sentence: "…${trunc.ending}"` }[trunc.sign!];
    defects.push({ kind: 'truncated', reason: `truncated: ${why}` });
  }

  const summary = summaryOf(parts.answer);
  if (parts.thinkClosed && summary.words < t.minSummaryWords) {
    defects.push({ kind: 'no-summary', reason: summary.present ? `summary after </think> has ${summary.words} word(s) (minimum ${t.minSummaryWords})` : 'nothing after </think>: no summary or answer' });
  } else if (parts.thinkClosed) {
    const problem = notASummary(parts.answer);
    if (problem) defects.push({ kind: 'no-summary', reason: problem });
  } else if (!parts.thinkClosed && !thinkOpened) {
    defects.push({ kind: 'no-summary', reason: 'no </think>: the reasoning and the summary cannot be told apart' });
  }

  return {
    defects,
    languageConsistency: lang.share,
    targetLanguage: target,
    metrics: {
      language: { share: lang.share, words: lang.words, longest_foreign_run: lang.longestForeignRun, method: lang.method },
      repetition: { n: t.repetitionN, max_ngram_count: rep.maxNgramCount, duplicate_share: dupShare },
      longest_paragraph: wall.chars,
      paragraph_weight: wall.weight,
      code_blocks: code.fenced,
      truncation: trunc.sign,
      summary_words: summary.words,
    },
  };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** Build the verdict from a report. Score: the language consistency (R1's language reward R_lang). */
export function readabilityVerdict(report: ReadabilityReport): Verdict {
  const detail = { language_consistency: report.languageConsistency, target_language: report.targetLanguage, defects: report.defects.map((d) => d.kind), ...report.metrics };
  if (report.defects.length === 0) return verdict('readability', 'pass', 'readable: one language, no loops, walls, stray code or truncation, with a summary', { score: report.languageConsistency, detail });
  return verdict('readability', 'fail', report.defects.map((d) => d.reason).join('; '), { category: categoryOfDefects(report.defects), score: report.languageConsistency, detail });
}

/** Does this input need the language identifier (a target that script cannot decide, or a prompt to guess from)? */
export function needsIdentifier(language: string | undefined): boolean {
  return language === undefined || !isScriptLanguage(baseLanguage(language));
}
