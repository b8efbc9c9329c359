import { checkOptionKeys } from '../config/strict-options.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import type { JudgedSample } from './policy.ts';

/**
 * The per-sample reward R = w_acc·R_acc + w_fmt·R_fmt + w_lang·R_lang + w_pref·R_pref (R1's rule rewards plus a
 * preference term on general tasks). Each term is in [0, 1]; weights sum to 1 for R in [0, 1] (not enforced, so
 * a stage may weight differently). A term whose judges gave no usable verdict is 0.
 */
export interface RewardWeights {
  accuracy: number;
  format: number;
  language: number;
  preference: number;
}

export interface RewardOptions {
  weights?: Partial<RewardWeights>;
  /** Judges whose pass/fail is accuracy; the best of them counts (a generative pass recovers a rule miss). */
  accuracyJudges?: string[];
  formatJudge?: string;
  /** Judge whose `detail.language_consistency` (else score) is R_lang. */
  languageJudge?: string;
  /** Judges whose score (in [0, 1]) is the preference term; the mean of those present. */
  preferenceJudges?: string[];
}

/** Reasoning-stage defaults (R1: accuracy dominates, format and language as small terms). */
export const REASONING_WEIGHTS: RewardWeights = { accuracy: 0.8, format: 0.1, language: 0.1, preference: 0 };
/** General-task defaults (a helpfulness/harmlessness preference term). */
export const GENERAL_WEIGHTS: RewardWeights = { accuracy: 0.4, format: 0.1, language: 0.1, preference: 0.4 };

const byName = (verdicts: readonly Verdict[], names: readonly string[]) => verdicts.filter((v) => names.includes(v.judge) && v.verdict !== 'error');

export interface RewardTerms {
  accuracy: number;
  format: number;
  language: number;
  preference: number;
}

export function rewardTerms(verdicts: readonly Verdict[], options: RewardOptions = {}): RewardTerms {
  const acc = byName(verdicts, options.accuracyJudges ?? ['math', 'code', 'exact', 'generative', 'majority']);
  const fmt = byName(verdicts, [options.formatJudge ?? 'format'])[0];
  const lang = byName(verdicts, [options.languageJudge ?? 'readability'])[0];
  const prefs = byName(verdicts, options.preferenceJudges ?? ['helpfulness', 'harmlessness']);
  const langValue = lang ? (typeof lang.detail?.language_consistency === 'number' ? lang.detail.language_consistency : (lang.score ?? 0)) : 0;
  const prefScore = (v: Verdict) => v.score ?? (v.verdict === 'pass' ? 1 : 0);
  return {
    accuracy: acc.length ? Math.max(...acc.map((v) => (v.verdict === 'pass' ? 1 : 0))) : 0,
    format: fmt ? (fmt.verdict === 'pass' ? 1 : 0) : 0,
    language: clamp(langValue),
    preference: prefs.length ? clamp(prefs.reduce((s, v) => s + prefScore(v), 0) / prefs.length) : 0,
  };
}

const clamp = (x: number) => Math.min(1, Math.max(0, x));

/**
 * A reward function with what identifies it: the judges it was told to read by name (`reads`, checked by
 * definePipeline; the default lists are alternatives and need not all exist) and its options (`describe`, part of
 * the config hash: two rewards with other weights share their code).
 */
export type Reward = ((judged: JudgedSample, accepted: boolean) => number | null) & { readonly reads: readonly string[]; describe(): Record<string, unknown> };

/** A `reward` to pass to `keepAccepted({ reward })`. A backend-error sample has no reward (null). */
export function reward(options: RewardOptions = {}): Reward {
  checkOptionKeys('reward', options, ['weights', 'accuracyJudges', 'formatJudge', 'languageJudge', 'preferenceJudges']);
  const w = { ...REASONING_WEIGHTS, ...options.weights };
  for (const [k, v] of Object.entries(w)) if (!(v >= 0)) throw new Error(`reward: weight ${k} must be ≥ 0, got ${v}`);
  const fn = (judged: JudgedSample): number | null => {
    if (judged.sample.finishReason === 'error') return null;
    const t = rewardTerms(judged.verdicts, options);
    return w.accuracy * t.accuracy + w.format * t.format + w.language * t.language + w.preference * t.preference;
  };
  const reads = [...(options.accuracyJudges ?? []), ...(options.formatJudge ? [options.formatJudge] : []), ...(options.languageJudge ? [options.languageJudge] : []), ...(options.preferenceJudges ?? [])];
  const { weights: _w, ...names } = options;
  return Object.assign(fn, { reads, describe: () => ({ reward: 'reward', weights: w, ...names }) });
}
