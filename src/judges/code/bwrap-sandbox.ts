import { execFile } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Language } from './extract-program.ts';
import type { RunSpec } from './harness.ts';
import { resolveInterpreter, type Interpreter } from './interpreters.ts';
import { interpreterFlags, prlimitArgs, type RunLimits } from './limits.ts';
import { fromRaw, programEnv, signalFromStatus, unprivilegedIdentity, type ProcessResult, type Sandbox } from './sandbox.ts';
import { spawnCapture, type ProcessTracker } from './spawn-capture.ts';

const execFileAsync = promisify(execFile);

/** Told when bwrap is missing or cannot create namespaces; says what to do. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

export const SANDBOX_HELP =
  'the code judge needs bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and unprivileged user namespaces ' +
  '(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04+ also kernel.apparmor_restrict_unprivileged_userns=0; ' +
  "in Docker run with --security-opt seccomp=unconfined or --privileged). To run without namespace isolation, opt in with codeJudge({ sandbox: 'rlimit-only' }) " +
  'or --sandbox rlimit-only: programs then share the network and file system views of the factory';

const WORKDIR = '/tmp';
const STATUS_FD = 3;

/** Host top-level entries mirrored into the sandbox: symlinks stay symlinks (merged /usr), folders are bound read-only. */
export function systemView(): string[] {
  const args = ['--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    let st;
    try {
      st = lstatSync(top);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else if (st.isDirectory()) args.push('--ro-bind', top, top);
  }
  return args;
}

/**
 * The bwrap command line: fresh user, pid, network, ipc, uts and cgroup namespaces (no network at all, not even
 * the host's loopback), no capabilities, no nested user namespaces, a read-only view of /usr and /etc (plus the
 * interpreter's prefix), a private size-limited tmpfs as the only writable place with the program files copied in
 * from pipes, a scrubbed environment, a new session (no terminal injection), and prlimit setting the rlimits
 * on the interpreter it then executes.
 */
export function bwrapArgs(opts: {
  interpreter: Interpreter;
  prlimit: string;
  spec: RunSpec;
  limits: RunLimits;
  disableUserns: boolean;
  firstFileFd: number;
}): string[] {
  const { interpreter, spec, limits } = opts;
  const args = [
    '--unshare-all',
    '--unshare-user',
    ...(opts.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    ...systemView(),
    ...interpreter.extraReadOnly.flatMap((d) => ['--ro-bind', d, d]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(limits.maxFileBytes),
    '--tmpfs',
    WORKDIR,
  ];
  spec.files.forEach((f, i) => args.push('--perms', '0644', '--file', String(opts.firstFileFd + i), `${WORKDIR}/${f.name}`));
  args.push('--clearenv');
  for (const [k, v] of Object.entries(programEnv(WORKDIR, spec.env))) args.push('--setenv', k, v);
  args.push('--chdir', WORKDIR, '--json-status-fd', String(STATUS_FD));
  args.push('--', opts.prlimit, ...prlimitArgs(spec.language, limits), '--', interpreter.command, ...interpreterFlags(spec.language, limits), ...spec.args);
  return args;
}

interface BwrapStatus {
  childPid: number | null;
  exitCode: number | null;
}

/** bwrap --json-status-fd writes `{"child-pid": N}` once the sandbox is up and `{"exit-code": N}` at the end. */
export function parseBwrapStatus(text: string): BwrapStatus {
  const status: BwrapStatus = { childPid: null, exitCode: null };
  for (const m of text.matchAll(/\{[^{}]*\}/g)) {
    try {
      const o = JSON.parse(m[0]) as Record<string, unknown>;
      if (typeof o['child-pid'] === 'number') status.childPid = o['child-pid'];
      if (typeof o['exit-code'] === 'number') status.exitCode = o['exit-code'];
    } catch {
      // partial write at kill time
    }
  }
  return status;
}

export interface BwrapSandboxOptions {
  bwrap?: string;
  python?: string;
  node?: string;
}

/** Find an executable on the factory's PATH. */
async function which(name: string): Promise<string | null> {
  try {
    const { stdout } = await execFileAsync('sh', ['-c', `command -v ${name}`]);
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

export interface BwrapReady {
  bwrap: string;
  prlimit: string;
  disableUserns: boolean;
  version: string;
  info: Record<string, unknown>;
}

/** Check that bwrap runs and can create every namespace (callers keep the answer, good or bad). */
export async function probeBwrap(options: BwrapSandboxOptions): Promise<BwrapReady> {
  const identity = unprivilegedIdentity();
  const bwrap = options.bwrap ?? (await which('bwrap'));
  if (!bwrap) throw new SandboxUnavailableError(`bwrap not found on PATH; ${SANDBOX_HELP}`);
  const prlimit = await which('prlimit');
  if (!prlimit) throw new SandboxUnavailableError('prlimit not found on PATH (Debian package util-linux); the code judge sets rlimits with it');
  let version = '';
  try {
    version = (await execFileAsync(bwrap, ['--version'])).stdout.trim();
  } catch (e) {
    throw new SandboxUnavailableError(`cannot run ${bwrap} (${(e as Error).message.split('\n')[0]}); ${SANDBOX_HELP}`);
  }
  const help = await execFileAsync(bwrap, ['--help']).then((r) => r.stdout, () => '');
  const disableUserns = help.includes('--disable-userns');
  const spec: RunSpec = { language: 'python', files: [], args: [], stdin: '', env: {}, check: { kind: 'stdout', expected: '' } };
  const raw = await spawnCapture({
    command: bwrap,
    args: [...bwrapArgs({ interpreter: { command: '/bin/true', extraReadOnly: [], version: '' }, prlimit, spec, limits: PROBE_LIMITS, disableUserns, firstFileFd: 4 })],
    env: { PATH: '/usr/bin:/bin' },
    stdin: '',
    extraFds: ['status'],
    ...identity,
    timeoutMs: 15_000,
    maxOutputBytes: 4096,
  });
  const status = parseBwrapStatus(raw.status);
  if (raw.spawnError || status.childPid === null || raw.exitCode !== 0) {
    const why = raw.spawnError ?? (raw.stderr.trim() || `exit ${raw.exitCode ?? raw.signal}`);
    throw new SandboxUnavailableError(`bubblewrap cannot create its namespaces on this machine (${why}); ${SANDBOX_HELP}`);
  }
  const info = { bwrap: version, runsAs: identity.uid ?? process.getuid?.() ?? null, disableUserns };
  return { bwrap, prlimit, disableUserns, version, info };
}

/** Resolve each language's interpreter once. */
export function interpreterCache(options: { python?: string; node?: string }): (language: Language) => Promise<Interpreter> {
  const interpreters = new Map<Language, Promise<Interpreter>>();
  return (language) => {
    let p = interpreters.get(language);
    if (!p) {
      p = resolveInterpreter(language, options);
      interpreters.set(language, p);
    }
    return p;
  };
}

/**
 * One bwrap process per run (the judge's sandbox before the warm zygotes; kept as the reference the bench and
 * the tests compare the zygote against): every run pays bwrap's namespaces and the interpreter's start.
 */
export function createBwrapSandbox(options: BwrapSandboxOptions = {}): Sandbox {
  let ready: Promise<BwrapReady> | null = null;
  const interpreterFor = interpreterCache(options);
  const identity = unprivilegedIdentity();
  let info: Record<string, unknown> = {};
  const probe = async () => {
    const r = await probeBwrap(options);
    info = r.info;
    return r;
  };

  return {
    mode: 'bwrap',
    describe: () => ({ sandbox: 'bwrap', ...info }),
    async execute(spec: RunSpec, limits: RunLimits, tracker?: ProcessTracker): Promise<ProcessResult> {
      ready ??= probe();
      let r: BwrapReady;
      let interpreter: Interpreter;
      try {
        r = await ready;
        interpreter = await interpreterFor(spec.language);
      } catch (e) {
        return { exitCode: null, signal: null, timedOut: false, outputLimited: false, stdout: '', stderr: '', sandboxError: (e as Error).message, wallMs: 0 };
      }
      const raw = await spawnCapture(
        {
          command: r.bwrap,
          args: bwrapArgs({ interpreter, prlimit: r.prlimit, spec, limits, disableUserns: r.disableUserns, firstFileFd: STATUS_FD + 1 }),
          env: { PATH: '/usr/bin:/bin' },
          stdin: spec.stdin,
          extraFds: ['status', ...spec.files.map((f) => ({ write: f.content }))],
          ...identity,
          timeoutMs: limits.timeoutMs,
          maxOutputBytes: limits.maxOutputBytes,
        },
        tracker,
      );
      if (raw.spawnError) return fromRaw(raw, null, null, raw.spawnError);
      const status = parseBwrapStatus(raw.status);
      if (status.childPid === null && !raw.timedOut && !raw.outputLimited) {
        return fromRaw(raw, raw.exitCode, null, `bubblewrap failed to set up the sandbox: ${raw.stderr.trim() || `exit ${raw.exitCode}`}`);
      }
      const code = status.exitCode ?? raw.exitCode;
      const signal = signalFromStatus(code) ?? raw.signal;
      if (/^prlimit: /m.test(raw.stderr) && code !== 0 && !raw.timedOut) {
        return fromRaw(raw, code, signal, `prlimit could not start the interpreter: ${raw.stderr.trim().split('\n').slice(-1)[0]}`);
      }
      return fromRaw(raw, signal ? null : code, signal, null);
    },
  };
}

const PROBE_LIMITS: RunLimits = {
  timeoutMs: 15_000,
  cpuSeconds: 5,
  memoryBytes: 256 * 1024 * 1024,
  maxProcesses: 16,
  maxFileBytes: 1024 * 1024,
  maxOpenFiles: 64,
  maxOutputBytes: 4096,
};
