import type { CodeTests } from './code-tests.ts';
import type { Language } from './extract-program.ts';
import { classifyRun } from './classify-run.ts';
import { buildRuns } from './harness.ts';
import type { RunLimits } from './limits.ts';
import type { CodeResult, Outcome } from './outcome.ts';
import type { RunPool } from './pool.ts';
import type { Sandbox } from './sandbox.ts';

export interface RunTestsOptions {
  sandbox: Sandbox;
  pool: RunPool;
  limits: RunLimits;
  floatTolerance: number | null;
  /** Stop at the first test that does not pass (faster; `passed` then counts only the tests before it). */
  stopAtFirstFailure: boolean;
}

// After these, the remaining tests would most likely end the same way, and each costs a full limit.
const STOPS_THE_RUN: ReadonlySet<Outcome> = new Set(['timeout', 'memory', 'output_limit', 'sandbox_error']);

/**
 * Run a program against its tests, one sandboxed run per stdin/stdout test (or one for function tests), each
 * through the pool. Reports how many passed and the first that did not; the outcome is that first failure's.
 */
export async function runTests(language: Language, program: string, tests: CodeTests, o: RunTestsOptions): Promise<CodeResult> {
  const runs = buildRuns(language, program, tests);
  const total = tests.kind === 'io' ? tests.tests.length : 1;
  let passed = 0;
  let first: { index: number; outcome: Outcome; reason: string; stderr: string } | null = null;
  for (let i = 0; i < runs.length; i++) {
    const spec = runs[i];
    const result = await o.pool.run((tracker) => o.sandbox.execute(spec, o.limits, tracker));
    const r = classifyRun(result, spec.check, o.floatTolerance, o.limits);
    if (r.outcome === 'pass') {
      passed++;
      continue;
    }
    first ??= { index: i, outcome: r.outcome, reason: r.reason, stderr: result.stderr };
    if (o.stopAtFirstFailure || STOPS_THE_RUN.has(r.outcome)) break;
  }
  if (!first) return { outcome: 'pass', passed, total, firstFailure: null, reason: `passed ${passed}/${total} tests`, language };
  const where = tests.kind === 'io' ? `test ${first.index + 1}` : 'the tests';
  return {
    outcome: first.outcome,
    passed,
    total,
    firstFailure: first.index,
    reason: `passed ${passed}/${total}; ${where}: ${first.reason}`,
    ...(first.stderr.trim() ? { stderrTail: first.stderr.trim().split('\n').slice(-5).join('\n') } : {}),
    language,
  };
}
