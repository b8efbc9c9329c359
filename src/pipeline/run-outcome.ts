import type { BuildReport } from './build-stats.ts';

/** Exit codes of `distillery run`. */
export const EXIT = {
  done: 0,
  error: 1,
  interrupted: 130,
  /** The backend failed (down past the outage budget, or prompts left failed): temporary, the same command resumes. */
  backend: 75,
} as const;

/**
 * How a run ended, as an exit code and the line that says why (null when the report says it all). A run never
 * exits 0 with work lost to the backend: prompts still waiting on it, or a build whose every sample is a backend
 * error, are non-zero with what failed and what to do.
 */
export function runOutcome(report: BuildReport): { code: number; message: string | null } {
  const h = report.backendHealth;
  const resume = 'committed what was done; run the same command to resume';
  if (h?.stoppedBy) return { code: EXIT.backend, message: `stopped: ${h.stoppedBy}; ${resume}${h.pendingPrompts ? ` (${h.pendingPrompts} prompts wait on the backend)` : ''}` };
  if (report.interrupted) return { code: EXIT.interrupted, message: null };
  if (h && h.pendingPrompts > 0) {
    return { code: EXIT.backend, message: `${h.pendingPrompts} prompts failed on backend errors and are not done; run the same command to sample them again` };
  }
  const t = report.totals;
  if (t.samples > 0 && t.sampleErrors === t.samples) {
    return { code: EXIT.error, message: `every sample of this build (${t.samples}) is a backend error (see the backend verdict reasons above): check the backend (model name, server, request options)` };
  }
  return { code: EXIT.done, message: null };
}
