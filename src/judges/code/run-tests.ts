import type { CodeTests } from './code-tests.ts';
import type { Language } from './extract-program.ts';
import { classifyRun } from './classify-run.ts';
import { buildRuns } from './harness.ts';
import type { RunLimits } from './limits.ts';
import type { CodeResult, Outcome } from './outcome.ts';
import type { RunPool } from './pool.ts';
import type { ProcessResult, Sandbox } from './sandbox.ts';

export interface RunTestsOptions {
  sandbox: Sandbox;
  pool: RunPool;
  limits: RunLimits;
  floatTolerance: number | null;
  /** Stop at the first test that does not pass (faster; `passed` then counts only the tests before it). */
  stopAtFirstFailure: boolean;
}

// After these, the remaining tests would most likely end the same way, and each costs a full limit. (A batching
// sandbox applies the same rule by itself when the judge does not decide after each test: BatchOptions.)
const STOPS_THE_RUN: ReadonlySet<Outcome> = new Set(['timeout', 'memory', 'output_limit', 'sandbox_error']);

/**
 * Run a program against its tests: with the warm sandbox all of a sample's tests in one sandboxed run (each test
 * its own process, limits and fresh /tmp), otherwise one sandboxed run per test, through the pool. Reports how many
 * passed and the first that did not; the outcome is that first failure's.
 */
export async function runTests(language: Language, program: string, tests: CodeTests, o: RunTestsOptions): Promise<CodeResult> {
  const runs = buildRuns(language, program, tests);
  const total = tests.kind === 'io' ? tests.tests.length : 1;
  let passed = 0;
  let first = null as { index: number; outcome: Outcome; reason: string; stderr: string } | null;
  /** Count one test's result; false when the rest of the tests should not run. */
  const record = (result: ProcessResult, i: number): boolean => {
    const r = classifyRun(result, runs[i]!.check, o.floatTolerance, o.limits);
    if (r.outcome === 'pass') {
      passed++;
      return true;
    }
    first ??= { index: i, outcome: r.outcome, reason: r.reason, stderr: result.stderr };
    return !(o.stopAtFirstFailure || STOPS_THE_RUN.has(r.outcome));
  };
  const batch = o.sandbox.executeBatch?.bind(o.sandbox);
  if (batch) {
    await o.pool.run(() => batch(runs, o.limits, record, { judgeDecides: o.stopAtFirstFailure }));
  } else {
    for (let i = 0; i < runs.length; i++) {
      const spec = runs[i]!;
      if (!record(await o.pool.run((tracker) => o.sandbox.execute(spec, o.limits, tracker)), i)) break;
    }
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
