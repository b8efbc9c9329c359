import type { Sample } from '../../schemas/sample.ts';
import { responseOf } from '../../schemas/sample.ts';
import { verdict, type Verdict, type VerdictCategory } from '../../schemas/verdict.ts';
import { perSampleJudge, type Judge } from './judge.ts';
import { z } from 'zod';
import { parseOptions } from '../config/strict-options.ts';

export interface FormatJudgeOptions {
  /**
   * The chat template pre-fills `<think>` in the assistant turn (R1 / R1-Distill templates), so the model's text
   * starts inside the reasoning. The judge then prepends `<think>` when the response does not already start with it.
   */
  prefilledThink?: boolean;
}

const FormatJudgeOptions = z.strictObject({ prefilledThink: z.boolean().optional() });

/** What the format check found: every problem (in reading order) and the parts it split. */
export interface FormatCheck {
  problems: string[];
  /** The verdict category of each problem, in the same order (format_tag_case, format_think, …). */
  kinds: VerdictCategory[];
  reasoning: string;
  answer: string;
  /** true when the final answer is inside `<answer>…</answer>`. */
  answerTagged: boolean;
}

const TAG = /<\/?\s*(think|answer)\s*>/gi;

/**
 * R1 output format: nothing but whitespace, then exactly one `<think>…</think>` with non-empty reasoning, then a
 * non-empty final answer, optionally in exactly one `<answer>…</answer>` with nothing after it. Tags are lowercase.
 * Pure function of the response text; returns every problem so a report can count them all.
 */
export function checkFormat(response: string, options: FormatJudgeOptions = {}): FormatCheck {
  const text = options.prefilledThink && !response.trimStart().startsWith('<think>') ? '<think>' + response : response;
  const problems: string[] = [];
  const kinds: VerdictCategory[] = [];
  const problem = (kind: VerdictCategory, what: string) => {
    kinds.push(kind);
    problems.push(what);
  };
  const tags = [...text.matchAll(TAG)].map((m) => ({ raw: m[0], at: m.index, name: m[1].toLowerCase(), close: m[0].startsWith('</') }));
  const badCase = tags.filter((t) => t.raw !== (t.close ? `</${t.name}>` : `<${t.name}>`));
  if (badCase.length > 0) problem('format_tag_case', `tags must be lowercase and without spaces: found ${[...new Set(badCase.map((t) => t.raw))].join(', ')}`);

  const exact = (raw: string) => tags.filter((t) => t.raw.toLowerCase().replace(/\s+/g, '') === raw);
  const thinkOpen = exact('<think>');
  const thinkClose = exact('</think>');
  const answerOpen = exact('<answer>');
  const answerClose = exact('</answer>');

  if (thinkOpen.length === 0) problem('format_think', options.prefilledThink ? 'no <think> tag' : 'no <think> tag (if the chat template pre-fills it, set prefilledThink)');
  if (thinkOpen.length > 1) problem('format_think', `${thinkOpen.length} <think> tags, expected exactly one`);
  if (thinkClose.length === 0) problem('format_unclosed_think', 'reasoning never closed: no </think> (truncated or malformed)');
  if (thinkClose.length > 1) problem('format_think', `${thinkClose.length} </think> tags, expected exactly one`);

  const open = thinkOpen[0];
  const close = thinkClose[thinkClose.length - 1];
  if (open && text.slice(0, open.at).trim() !== '') problem('format_think', `text before <think>: "${clip(text.slice(0, open.at).trim())}"`);
  if (open && close && close.at < open.at) problem('format_think', '</think> comes before <think>');

  const reasoning = open && close && close.at > open.at ? text.slice(open.at + open.raw.length, close.at).trim() : '';
  if (open && close && close.at > open.at && reasoning === '') problem('format_think', 'empty reasoning inside <think></think>');

  let after = close ? text.slice(close.at + close.raw.length) : '';
  let answer = after.trim();
  let answerTagged = false;
  if (close) {
    if (answerOpen.some((t) => t.at < close.at) || answerClose.some((t) => t.at < close.at)) problem('format_answer_tag', '<answer> tag inside the reasoning');
    const aOpen = answerOpen.filter((t) => t.at > close.at);
    const aClose = answerClose.filter((t) => t.at > close.at);
    if (aOpen.length > 1 || aClose.length > 1) problem('format_answer_tag', `${aOpen.length} <answer> and ${aClose.length} </answer> tags after the reasoning, expected at most one pair`);
    else if (aOpen.length === 1 && aClose.length === 0) problem('format_answer_tag', '<answer> never closed: no </answer>');
    else if (aOpen.length === 0 && aClose.length === 1) problem('format_answer_tag', '</answer> without <answer>');
    else if (aOpen.length === 1 && aClose.length === 1) {
      if (aClose[0].at < aOpen[0].at) problem('format_answer_tag', '</answer> comes before <answer>');
      else {
        answerTagged = true;
        answer = text.slice(aOpen[0].at + aOpen[0].raw.length, aClose[0].at).trim();
        const trailing = text.slice(aClose[0].at + aClose[0].raw.length).trim();
        if (trailing !== '') problem('format_answer_tag', `text after </answer>: "${clip(trailing)}"`);
        after = text.slice(close.at + close.raw.length, aOpen[0].at);
      }
    }
    if (answer === '') problem('format_no_answer', answerTagged ? 'empty <answer></answer>' : 'no final answer after </think>');
  }
  return { problems, kinds, reasoning, answer, answerTagged };
}

function clip(s: string, n = 40): string {
  return s.length > n ? s.slice(0, n) + '…' : s;
}

/** Judge a sample's format; `error` only when the backend produced no sample. */
export function judgeFormat(sample: Pick<Sample, 'prefill' | 'text' | 'finishReason' | 'error'>, options: FormatJudgeOptions = {}): Verdict {
  if (sample.finishReason === 'error') return verdict('format', 'error', `no sample to judge: ${sample.error ?? 'backend error'}`, { category: 'backend_error' });
  const r = checkFormat(responseOf(sample), options);
  const detail = { problems: r.problems, kinds: r.kinds, answer_tagged: r.answerTagged };
  if (r.problems.length === 0) return verdict('format', 'pass', 'well-formed: <think>…</think> then a final answer', { score: 1, detail });
  // The first problem in reading order names the category; detail.kinds has them all.
  return verdict('format', 'fail', r.problems.join('; '), { category: r.kinds[0], score: 0, detail });
}

/** The R1 format judge (see checkFormat). Score 1 on pass, 0 on fail: the format reward R_fmt. */
export function formatJudge(options: FormatJudgeOptions = {}): Judge {
  parseOptions('formatJudge', FormatJudgeOptions, options);
  const opts = { prefilledThink: options.prefilledThink ?? false };
  return perSampleJudge('format', opts, (_prompt, sample) => judgeFormat(sample, opts));
}
