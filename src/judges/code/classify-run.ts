import { outputsMatch } from './compare-output.ts';
import type { RunCheck } from './harness.ts';
import type { Outcome } from './outcome.ts';
import type { ProcessResult } from './sandbox.ts';

export interface RunOutcome {
  outcome: Outcome;
  reason: string;
}

// How interpreters report an allocation the address-space/data limit refused.
export const OUT_OF_MEMORY = /\bMemoryError\b|Cannot allocate memory|heap out of memory|Allocation failed|std::bad_alloc|out of memory/i;

/** The last non-empty line of stderr: the exception, usually. */
export function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim().slice(0, 300);
}

/** Turn what a process did into an outcome, for the kind of check its test needs. */
export function classifyRun(r: ProcessResult, check: RunCheck, floatTolerance: number | null, limits: { timeoutMs: number; cpuSeconds: number; maxOutputBytes: number }): RunOutcome {
  if (r.sandboxError) return { outcome: 'sandbox_error', reason: r.sandboxError };
  if (r.outputLimited) return { outcome: 'output_limit', reason: `printed more than ${limits.maxOutputBytes} bytes of output` };
  if (r.timedOut) return { outcome: 'timeout', reason: `still running after the ${limits.timeoutMs} ms wall-clock limit` };
  if (r.signal === 'SIGXCPU') return { outcome: 'timeout', reason: `used more than the ${limits.cpuSeconds} s CPU limit` };
  const failed = r.signal !== null || r.exitCode !== 0;
  if (failed && OUT_OF_MEMORY.test(r.stderr)) {
    const line = r.stderr.split('\n').find((l) => OUT_OF_MEMORY.test(l))?.trim().slice(0, 300) ?? '';
    return { outcome: 'memory', reason: `memory limit hit: ${line}` };
  }
  if (r.signal !== null) return { outcome: 'runtime_error', reason: `killed by ${r.signal}${r.stderr.trim() ? `: ${lastLine(r.stderr)}` : ''}` };
  if (r.exitCode !== 0) {
    if (check.kind === 'sentinel' && /\bAssertionError\b|ERR_ASSERTION/.test(r.stderr)) {
      return { outcome: 'fail', reason: `a test assertion failed: ${lastLine(r.stderr)}` };
    }
    return { outcome: 'runtime_error', reason: `exit code ${r.exitCode}${r.stderr.trim() ? `: ${lastLine(r.stderr)}` : ''}` };
  }
  if (check.kind === 'sentinel') {
    return r.stdout.trimEnd().endsWith(check.nonce)
      ? { outcome: 'pass', reason: 'all assertions passed' }
      : { outcome: 'fail', reason: 'exited with status 0 before the tests finished' };
  }
  return outputsMatch(r.stdout, check.expected, floatTolerance)
    ? { outcome: 'pass', reason: 'output matches' }
    : { outcome: 'fail', reason: `wrong answer: expected ${preview(check.expected)}, got ${preview(r.stdout)}` };
}

function preview(s: string): string {
  const t = s.trimEnd();
  return JSON.stringify(t.length > 80 ? `${t.slice(0, 80)}…` : t);
}
