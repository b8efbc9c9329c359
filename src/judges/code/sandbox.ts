import { constants } from 'node:os';
import type { RunSpec } from './harness.ts';
import type { RunLimits } from './limits.ts';
import type { ProcessTracker, RawRun } from './spawn-capture.ts';

export type SandboxMode = 'bwrap' | 'rlimit-only';

/** A finished run, with the sandbox's own failures told apart from the program's. */
export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputLimited: boolean;
  stdout: string;
  stderr: string;
  /** The sandbox could not run the program (setup failed, interpreter missing): an `error`, not a `fail`. */
  sandboxError: string | null;
  wallMs: number;
}

export interface BatchOptions {
  /**
   * true: `next` decides after every test (stopAtFirstFailure needs the output compared). false: the sandbox goes
   * on by itself and stops only after a test that hit a limit — timeout, memory, output cap, sandbox failure: the
   * judge's own early-stop rule — saving a round trip per test.
   */
  judgeDecides: boolean;
}

export interface Sandbox {
  readonly mode: SandboxMode;
  execute(spec: RunSpec, limits: RunLimits, tracker?: ProcessTracker): Promise<ProcessResult>;
  /**
   * Run a sample's tests (same language and files) in one sandboxed run, each test still in its own process
   * with its own limits; `next(result, i)` says whether to go on to test i+1. Sandboxes without it run
   * `execute` once per test.
   */
  executeBatch?(specs: RunSpec[], limits: RunLimits, next: (r: ProcessResult, i: number) => boolean, options?: BatchOptions): Promise<void>;
  describe(): Record<string, unknown>;
  /** Counters for benches and tests (e.g. zygotes started). */
  stats?(): Record<string, number>;
  /** Kill whatever the sandbox keeps running (warm interpreters). */
  close?(): Promise<void>;
}

/** The uid/gid programs run as when the factory itself runs as root: `nobody`, so they own nothing. */
export function unprivilegedIdentity(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** Exit status 128+n from a wrapper (bwrap, a shell) means the program died of signal n. */
export function signalFromStatus(code: number | null): string | null {
  if (code === null || code <= 128 || code > 128 + 64) return null;
  return SIGNAL_NAMES.get(code - 128) ?? `signal ${code - 128}`;
}

/** A clean environment: nothing of the factory's (API keys, tokens) ever reaches a program. */
export function programEnv(home: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: home,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    ...extra,
  };
}

export function fromRaw(raw: RawRun, exitCode: number | null, signal: string | null, sandboxError: string | null): ProcessResult {
  return { exitCode, signal, timedOut: raw.timedOut, outputLimited: raw.outputLimited, stdout: raw.stdout, stderr: raw.stderr, sandboxError, wallMs: raw.wallMs };
}
