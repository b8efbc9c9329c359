import { InvalidCaseError, parseCodeTests, type CodeTests } from './code-tests.ts';
import { extractProgram, parseLanguage, type Language } from './extract-program.ts';
import { DEFAULT_LIMITS, type RunLimits } from './limits.ts';
import type { CodeResult } from './outcome.ts';
import { createRunPool } from './pool.ts';
import { createRlimitSandbox } from './rlimit-sandbox.ts';
import { runTests } from './run-tests.ts';
import type { Sandbox, SandboxMode } from './sandbox.ts';
import { createZygoteSandbox } from './zygote-sandbox.ts';

export interface CodeJudgeOptions extends Partial<RunLimits> {
  /** 'bwrap' (default): namespaces + rlimits. 'rlimit-only': an explicit opt-in for machines without namespaces. */
  sandbox?: SandboxMode;
  /** Programs running at once (default: the machine's cores). */
  concurrency?: number;
  /** Accept numeric tokens within this absolute/relative tolerance in stdin/stdout tests (default: exact). */
  floatTolerance?: number | null;
  stopAtFirstFailure?: boolean;
  /** Language when neither the case nor the code fence names one (default python). */
  defaultLanguage?: Language;
  python?: string;
  node?: string;
  bwrap?: string;
}

/** A case as the CLI and the judge see it: where the program comes from, its language and its tests. */
export interface CodeCase {
  /** A program as is (the CLI's `program`, `completion`, `canonical_solution`). */
  program?: string;
  /** A model response: the program is the last fenced block of its final answer. */
  response?: string;
  language?: string;
  tests: CodeTests;
}

export interface CodeRunner {
  run(c: CodeCase): Promise<CodeResult>;
  describe(): Record<string, unknown>;
  /** The sandbox's counters (e.g. zygotes started). */
  stats(): Record<string, number>;
  close(): Promise<void>;
}

export function createCodeRunner(options: CodeJudgeOptions = {}): CodeRunner {
  const limits = resolveLimits(options);
  const mode = options.sandbox ?? 'bwrap';
  if (mode !== 'bwrap' && mode !== 'rlimit-only') throw new Error(`code judge: sandbox must be 'bwrap' or 'rlimit-only', got ${JSON.stringify(mode)}`);
  const sandbox: Sandbox = mode === 'bwrap' ? createZygoteSandbox(options) : createRlimitSandbox(options);
  const pool = createRunPool(options.concurrency);
  const floatTolerance = options.floatTolerance ?? null;
  const stopAtFirstFailure = options.stopAtFirstFailure ?? false;
  const defaultLanguage = options.defaultLanguage ?? 'python';
  const total = (t: CodeTests) => (t.kind === 'io' ? t.tests.length : 1);

  return {
    describe: () => ({ sandbox: mode, ...limits, floatTolerance, stopAtFirstFailure, defaultLanguage }),
    async close() {
      await pool.close();
      await sandbox.close?.();
    },
    stats: () => sandbox.stats?.() ?? {},
    async run(c) {
      const extracted = c.program !== undefined ? { code: c.program, fenceLanguage: null } : extractProgram(c.response ?? '');
      const named = c.language !== undefined && c.language !== null ? parseLanguage(c.language) : null;
      if (c.language && !named) {
        return { outcome: 'invalid_case', passed: 0, total: total(c.tests), firstFailure: null, reason: `unsupported language ${JSON.stringify(c.language)}; use python or javascript` };
      }
      const language = named ?? extracted?.fenceLanguage ?? defaultLanguage;
      if (!extracted || extracted.code.trim() === '') {
        const reason = c.program !== undefined ? 'the program is empty' : 'no fenced code block in the final answer (after </think>)';
        return { outcome: 'no_program', passed: 0, total: total(c.tests), firstFailure: 0, reason, language };
      }
      return runTests(language, extracted.code, c.tests, { sandbox, pool, limits, floatTolerance, stopAtFirstFailure });
    },
  };
}

function resolveLimits(o: CodeJudgeOptions): RunLimits {
  const timeoutMs = o.timeoutMs ?? DEFAULT_LIMITS.timeoutMs;
  const limits: RunLimits = {
    timeoutMs,
    cpuSeconds: o.cpuSeconds ?? Math.max(1, Math.ceil(timeoutMs / 1000)),
    memoryBytes: o.memoryBytes ?? DEFAULT_LIMITS.memoryBytes,
    maxProcesses: o.maxProcesses ?? DEFAULT_LIMITS.maxProcesses,
    maxFileBytes: o.maxFileBytes ?? DEFAULT_LIMITS.maxFileBytes,
    maxOpenFiles: o.maxOpenFiles ?? DEFAULT_LIMITS.maxOpenFiles,
    maxOutputBytes: o.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes,
  };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`code judge: ${k} must be a positive number, got ${v}`);
  }
  return limits;
}

/** Read a case's tests, turning a malformed case into an `invalid_case` result rather than a throw. */
export function testsOrInvalid(rec: Record<string, unknown>, where: string): CodeTests | CodeResult {
  try {
    return parseCodeTests(rec, where);
  } catch (e) {
    if (e instanceof InvalidCaseError) return { outcome: 'invalid_case', passed: 0, total: 0, firstFailure: null, reason: e.message };
    throw e;
  }
}
