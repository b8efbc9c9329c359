import { verdict, type Verdict, type VerdictCategory, type VerdictValue } from '../../../schemas/verdict.ts';

/**
 * What happened to a program. `pass`/`fail` are answers; `timeout`, `memory`, `runtime_error`, `output_limit`
 * and `no_program` are the program's own failures (wrong answers for rejection sampling); `sandbox_error` and
 * `invalid_case` mean the judge could not run it (infrastructure or a case without tests): never a `fail`.
 */
export const OUTCOMES = [
  'pass',
  'fail',
  'timeout',
  'memory',
  'runtime_error',
  'output_limit',
  'no_program',
  'sandbox_error',
  'invalid_case',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The tri-state verdict an outcome maps to. */
export function verdictValueOf(outcome: Outcome): VerdictValue {
  if (outcome === 'pass') return 'pass';
  if (outcome === 'sandbox_error' || outcome === 'invalid_case') return 'error';
  return 'fail';
}

/** The verdict category of an outcome (schemas/verdict.ts). */
export const CATEGORY_OF_OUTCOME: Record<Outcome, VerdictCategory> = {
  pass: 'ok',
  fail: 'wrong_answer',
  timeout: 'timeout',
  memory: 'memory_limit',
  runtime_error: 'runtime_error',
  output_limit: 'output_limit',
  no_program: 'no_answer',
  sandbox_error: 'sandbox_error',
  invalid_case: 'invalid_case',
};

/** Result of running one program against all its tests. */
export interface CodeResult {
  outcome: Outcome;
  passed: number;
  total: number;
  /** Index (0-based) of the first test that did not pass; null when all passed or none ran. */
  firstFailure: number | null;
  reason: string;
  /** Last lines of stderr of the first failing run, for auditing. */
  stderrTail?: string;
  language?: string;
}

export function codeVerdict(judge: string, r: CodeResult): Verdict {
  return verdict(judge, verdictValueOf(r.outcome), r.reason, {
    category: CATEGORY_OF_OUTCOME[r.outcome],
    score: r.total > 0 ? r.passed / r.total : null,
    detail: {
      outcome: r.outcome,
      passed: r.passed,
      total: r.total,
      firstFailure: r.firstFailure,
      ...(r.language ? { language: r.language } : {}),
      ...(r.stderrTail ? { stderrTail: r.stderrTail } : {}),
    },
  });
}
