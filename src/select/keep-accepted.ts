import type { Prompt } from '../../schemas/prompt.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import type { JudgedSample, PromptSelection, SampleDecision, SelectionPolicy } from './policy.ts';
import { z } from 'zod';
import { fn, parseOptions } from '../config/strict-options.ts';
import { sha256Hex } from '../../schemas/canonical-json.ts';

export interface KeepAcceptedOptions {
  /** Keep at most this many accepted samples per prompt in sft/ and distill/ (R1 kept several per prompt). */
  maxPerPrompt?: number;
  /** Which accepted samples to keep first: highest reward, or shortest response. */
  prefer?: 'reward' | 'shortest' | 'first';
  /** Drop a prompt from sft/distill when its pass rate is outside [min, max] (too easy or too hard). */
  passRateBand?: [number, number];
  /** Write up to this many (accepted, rejected) preference pairs per prompt to prefs/. 0 = none. */
  prefsPerPrompt?: number;
  /** Accept rule over a sample's verdicts. Default: at least one verdict, none `fail` or `error`. */
  accept?: (verdicts: readonly Verdict[]) => boolean;
  /** Reward of a sample (stored per sample; used by prefer: 'reward'). Default: null. */
  reward?: (judged: JudgedSample, accepted: boolean) => number | null;
  /** Label a rule-vs-generative disagreement (stored in samples/). Default: none. */
  disagreement?: (verdicts: readonly Verdict[]) => string | null;
  /**
   * A name for the custom functions above, recorded in the config. Their code enters the config hash too (a digest
   * of each function's source text), so editing a custom function is a new config, whatever the id says.
   */
  id?: string;
}

const KeepAcceptedSchema = z.strictObject({
  maxPerPrompt: z.number().int().min(0).optional(),
  prefer: z.enum(['reward', 'shortest', 'first']).optional(),
  passRateBand: z
    .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
    .refine(([min, max]) => min <= max, 'expected [min, max] with 0 ≤ min ≤ max ≤ 1')
    .optional(),
  prefsPerPrompt: z.number().int().min(0).optional(),
  accept: fn().optional(),
  reward: fn().optional(),
  disagreement: fn().optional(),
  id: z.string().optional(),
});

export const allPass = (verdicts: readonly Verdict[]): boolean => verdicts.length > 0 && verdicts.every((v) => v.verdict === 'pass');

/**
 * The default selection policy: a sample is accepted when its verdicts pass; up to `maxPerPrompt` accepted samples
 * of a prompt go to the SFT and distillation corpora; optional pass-rate band and preference pairs.
 */
export function keepAccepted(options: KeepAcceptedOptions = {}): SelectionPolicy {
  parseOptions('keepAccepted', KeepAcceptedSchema, options);
  const maxPerPrompt = options.maxPerPrompt ?? 1;
  const prefer = options.prefer ?? 'reward';
  const band = options.passRateBand ?? [0, 1];
  const prefsPerPrompt = options.prefsPerPrompt ?? 0;
  const accept = options.accept ?? allPass;
  const reward = options.reward ?? (() => null);
  const disagreement = options.disagreement ?? (() => null);
  const custom = options.accept || options.reward || options.disagreement;

  return {
    describe: () => ({
      policy: 'keepAccepted',
      maxPerPrompt,
      prefer,
      passRateBand: band,
      prefsPerPrompt,
      custom: options.id ?? (custom ? 'unnamed' : null),
      ...(custom ? { customCode: customCode(options) } : {}),
    }),
    reads: [...new Set([options.accept, options.reward, options.disagreement].flatMap(readsOf))],
    select(_prompt: Prompt, judged: readonly JudgedSample[]): PromptSelection {
      const decisions: SampleDecision[] = judged.map((j) => {
        const accepted = accept(j.verdicts);
        return { accepted, reward: reward(j, accepted), disagreement: disagreement(j.verdicts) };
      });
      const accepted = decisions.map((d, i) => (d.accepted ? i : -1)).filter((i) => i >= 0);
      const rejected = decisions.map((d, i) => (!d.accepted && judged[i].sample.finishReason !== 'error' ? i : -1)).filter((i) => i >= 0);
      const passRate = judged.length ? accepted.length / judged.length : 0;
      const inBand = passRate >= band[0] && passRate <= band[1];
      const order = rank(accepted, judged, decisions, prefer);
      const selected = inBand ? order.slice(0, maxPerPrompt) : [];
      const prefs: [number, number][] = [];
      for (let p = 0; p < prefsPerPrompt && p < order.length && p < rejected.length; p++) prefs.push([order[p], rejected[p]]);
      return { decisions, selected, prefs };
    },
  };
}

/** What identifies each custom function: its own description (a reward made by reward()), else a digest of its source text. */
function customCode(options: KeepAcceptedOptions): Record<string, unknown> {
  const id = (f: unknown) => {
    if (typeof f !== 'function') return null;
    const d = (f as { describe?: unknown }).describe;
    return typeof d === 'function' ? (d as () => Record<string, unknown>)() : sha256Hex(Function.prototype.toString.call(f)).slice(0, 16);
  };
  return { accept: id(options.accept), reward: id(options.reward), disagreement: id(options.disagreement) };
}

/** Judge names a function reads (those made by reward(), ruleOrJudgeAccept() … say; a custom function cannot). */
function readsOf(f: unknown): string[] {
  const r = typeof f === 'function' ? (f as { reads?: unknown }).reads : undefined;
  return Array.isArray(r) ? r.filter((x): x is string => typeof x === 'string') : [];
}

/** Order sample indices best first; ties keep sample order so selection is deterministic. */
function rank(idx: number[], judged: readonly JudgedSample[], decisions: SampleDecision[], prefer: 'reward' | 'shortest' | 'first'): number[] {
  const len = (i: number) => judged[i].sample.text.length;
  return [...idx].sort((a, b) => {
    if (prefer === 'reward') {
      const d = (decisions[b].reward ?? -Infinity) - (decisions[a].reward ?? -Infinity);
      if (d !== 0 && Number.isFinite(d)) return d;
      if (d !== 0) return decisions[b].reward == null ? -1 : 1;
    }
    if (prefer === 'shortest' && len(a) !== len(b)) return len(a) - len(b);
    return judged[a].sample.index - judged[b].sample.index;
  });
}
