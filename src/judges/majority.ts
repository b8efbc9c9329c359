import { checkOptionKeys } from '../config/strict-options.ts';
import { responseOf, type Sample } from '../../schemas/sample.ts';
import type { Prompt } from '../../schemas/prompt.ts';
import { verdict, type Verdict } from '../../schemas/verdict.ts';
import { finalAnswer } from '../../schemas/response.ts';
import type { Judge } from './judge.ts';

/** Are two final answers the same answer? The math judge exports one (`mathAnswersEquivalent`). */
export type AnswerEquivalence = (a: string, b: string) => Promise<boolean>;

export interface MajorityVoteOptions {
  /** The majority answer becomes the pseudo-label when its share of the k samples is at least this. */
  minShare: number;
  /** Default: normalised string equality (case, spaces, $ and a trailing period ignored). */
  equivalent?: AnswerEquivalence;
  /** Name of the equivalence, for the config hash (functions cannot be hashed). */
  equivalenceId?: string;
  /** Vote on prompts that have a reference too (default: only prompts without one). */
  includeReferenced?: boolean;
}

export const normaliseAnswer = (a: string): string => a.replace(/\$/g, '').replace(/\s+/g, ' ').trim().replace(/\.$/, '').toLowerCase();
export const normalisedEquality: AnswerEquivalence = async (a, b) => normaliseAnswer(a) === normaliseAnswer(b);

/** Group answers by equivalence: each joins the first group whose first answer it equals. Returns group ids. */
export async function groupAnswers(answers: readonly string[], equivalent: AnswerEquivalence): Promise<number[]> {
  const heads: number[] = [];
  const group: number[] = [];
  for (let i = 0; i < answers.length; i++) {
    let g = -1;
    for (let h = 0; h < heads.length && g < 0; h++) if (await equivalent(answers[heads[h]], answers[i])) g = h;
    if (g < 0) {
      g = heads.length;
      heads.push(i);
    }
    group.push(g);
  }
  return group;
}

/**
 * Self-consistency for prompts without a reference: the k final answers are grouped by equivalence; when the
 * largest group holds at least `minShare` of the answered samples its answer is the pseudo-label, its samples pass
 * and the others fail. Below the share the judge cannot decide: `error` for all. Records cons@k (the majority
 * answer), the share and which samples agree.
 */
export function majorityVoteJudge(options: MajorityVoteOptions): Judge {
  checkOptionKeys('majorityVoteJudge', options, ['minShare', 'equivalent', 'equivalenceId', 'includeReferenced']);
  const equivalent = options.equivalent ?? normalisedEquality;
  const minShare = options.minShare;
  if (!(minShare > 0 && minShare <= 1)) throw new Error(`majorityVoteJudge: minShare must be in (0, 1], got ${minShare}`);
  const name = 'majority';
  return {
    name,
    describe: () => ({ name, minShare, equivalence: options.equivalenceId ?? (options.equivalent ? 'custom' : 'normalised-string'), includeReferenced: options.includeReferenced ?? false }),
    async judge(prompt: Prompt, samples: readonly Sample[]): Promise<(Verdict | null)[]> {
      if (prompt.reference !== null && !options.includeReferenced) return samples.map(() => null);
      const usable = samples.map((s, i) => ({ i, answer: s.finishReason === 'error' ? '' : finalAnswer(responseOf(s)) })).filter((u) => u.answer !== '');
      const k = samples.filter((s) => s.finishReason !== 'error').length;
      const groups = await groupAnswers(usable.map((u) => u.answer), equivalent);
      const sizes = new Map<number, number>();
      for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
      let best = -1;
      for (const [g, n] of sizes) if (best < 0 || n > sizes.get(best)!) best = g;
      const agree = usable.filter((_, n) => groups[n] === best).map((u) => samples[u.i].index);
      const share = k > 0 ? agree.length / k : 0;
      const label = best >= 0 ? usable[groups.indexOf(best)].answer : null;
      const detail = { cons_at_k: label, share, k, agree, groups: [...sizes.values()], pseudo_label: share >= minShare ? label : null };
      return samples.map((s, i) => {
        if (s.finishReason === 'error') return verdict(name, 'error', `no sample to judge: ${s.error ?? 'backend error'}`, { category: 'backend_error' });
        if (share < minShare || label === null) return verdict(name, 'error', `no majority: the most common answer has ${(share * 100).toFixed(0)}% of ${k} samples (need ${(minShare * 100).toFixed(0)}%)`, { category: 'no_majority', detail });
        const inMajority = agree.includes(s.index);
        const own = usable.find((u) => u.i === i)?.answer;
        return verdict(name, inMajority ? 'pass' : 'fail', inMajority ? `agrees with the majority answer "${label}" (${agree.length}/${k})` : own ? `answer "${own.slice(0, 60)}" differs from the majority "${label}" (${agree.length}/${k})` : 'no final answer', { category: inMajority ? 'ok' : own ? 'wrong_answer' : 'no_answer', score: inMajority ? 1 : 0, detail });
      });
    },
  };
}
