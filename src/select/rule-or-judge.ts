import type { Verdict } from '../../schemas/verdict.ts';

export interface RuleOrJudgeOptions {
  /** The rule judge (e.g. 'math'). */
  rule: string;
  /** The generative fallback judge (e.g. 'generative'). */
  judge: string;
}

/**
 * Accept rule for keepAccepted: correct when the rule judge passes, or when it did not (fail/error/absent) and the
 * generative judge passes (recovering rule false negatives); every other judge (format, readability …) must pass.
 */
export function ruleOrJudgeAccept(options: RuleOrJudgeOptions): ((verdicts: readonly Verdict[]) => boolean) & Described {
  return described('ruleOrJudgeAccept', options, (verdicts: readonly Verdict[]) => {
    const rule = verdicts.find((v) => v.judge === options.rule);
    const judge = verdicts.find((v) => v.judge === options.judge);
    const correct = rule?.verdict === 'pass' || judge?.verdict === 'pass';
    const others = verdicts.filter((v) => v.judge !== options.rule && v.judge !== options.judge);
    return correct && others.every((v) => v.verdict === 'pass');
  });
}

/** Disagreement label for samples/: "math:fail/generative:pass" when both judged and differ; null otherwise. */
export function ruleJudgeDisagreement(options: RuleOrJudgeOptions): ((verdicts: readonly Verdict[]) => string | null) & Described {
  return described('ruleJudgeDisagreement', options, (verdicts: readonly Verdict[]) => {
    const rule = verdicts.find((v) => v.judge === options.rule);
    const judge = verdicts.find((v) => v.judge === options.judge);
    if (!rule || !judge || rule.verdict === judge.verdict) return null;
    return `${options.rule}:${rule.verdict}/${options.judge}:${judge.verdict}`;
  });
}

/** What keepAccepted reads off these functions: the judges they read (checked by definePipeline) and their options (config hash). */
export interface Described {
  readonly reads: readonly string[];
  describe(): Record<string, unknown>;
}

function described<F extends (...a: never[]) => unknown>(name: string, options: RuleOrJudgeOptions, f: F): F & Described {
  return Object.assign(f, { reads: [options.rule, options.judge], describe: () => ({ [name]: { rule: options.rule, judge: options.judge } }) });
}
