import { spawn, type ChildProcess } from 'node:child_process';
import type { Interpreter } from './interpreters.ts';
import { systemView } from './bwrap-sandbox.ts';
import { programEnv } from './sandbox.ts';
import { ZYGOTE_SOURCE } from './zygote-source.ts';

/** What one test of a request did, as the zygote's init process reports it. */
export interface ZygoteRunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputLimited: boolean;
  wallMs: number;
  stdout: string;
  stderr: string;
  /** The program's process could not be set up (limits, privileges, streams, exec): the sandbox's failure. */
  setupError: string | null;
}

/** One sample's runs: the program files once, then per test the arguments, stdin and extra environment. */
export interface ZygoteRequest {
  language: string;
  /** The executable a non-Python program is exec'd with (Python programs run in the warm interpreter). */
  interpreter: string;
  flags: string[];
  env: Record<string, string>;
  files: { name: string; content: string }[];
  limits: Record<string, number>;
  runs: { args: string[]; stdin: string; env: Record<string, string> }[];
  /**
   * Set: init runs the tests one after the other by itself and stops only after one that hit a limit
   * (timeout, output cap, setup failure, or a failure whose stderr matches this pattern, case-insensitive:
   * out of memory). Unset: the judge says after each test whether to go on.
   */
  stopPattern?: string;
}

/** The zygote broke (died, stopped answering, spoke garbage): the run it was serving gets `sandbox_error`. */
export class ZygoteError extends Error {
  override name = 'ZygoteError';
}

export interface ZygoteSpawn {
  bwrap: string;
  disableUserns: boolean;
  /** The Python the zygote runs on, and every interpreter whose files the programs need to see. */
  python: Interpreter;
  extraReadOnly: string[];
  uid?: number;
  gid?: number;
}

/**
 * The zygote's bwrap: fresh user, pid, network, ipc, uts and cgroup namespaces, a read-only root and /dev, the
 * system's /usr and /etc read-only, capabilities SYS_ADMIN (to make each run's namespaces and mounts) and
 * SETPCAP (to drop the bounding set) held inside bwrap's own user namespace only, no nested user namespaces, a
 * scrubbed environment.
 */
export function zygoteBwrapArgs(z: ZygoteSpawn): string[] {
  const args = [
    '--unshare-all',
    '--unshare-user',
    ...(z.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-add',
    'CAP_SYS_ADMIN',
    '--cap-add',
    'CAP_SETPCAP',
    '--hostname',
    'sandbox',
    ...systemView(),
    ...[...new Set([...z.python.extraReadOnly, ...z.extraReadOnly])].flatMap((d) => ['--ro-bind', d, d]),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--dir',
    '/tmp',
    '--remount-ro',
    '/dev',
    '--remount-ro',
    '/',
    '--clearenv',
  ];
  for (const [k, v] of Object.entries(programEnv('/tmp', {}))) args.push('--setenv', k, v);
  args.push('--chdir', '/tmp', '--', z.python.command, '-B', '-c', ZYGOTE_SOURCE);
  return args;
}

type Frame = { header: Record<string, unknown>; stdout: Buffer; stderr: Buffer };

/**
 * A live zygote: a warm Python inside bubblewrap that forks each request into fresh namespaces (see
 * zygote-source.ts). Serves one request at a time. Any protocol failure kills it; its owner starts another.
 */
export class Zygote {
  private readonly child: ChildProcess;
  private buffer: Buffer = Buffer.alloc(0);
  private waiter: { resolve: (f: Frame) => void; reject: (e: Error) => void } | null = null;
  private readonly frames: Frame[] = [];
  private stderrTail = '';
  private deadReason: string | null = null;
  private endPending = false;
  readonly ready: Promise<string>;

  constructor(z: ZygoteSpawn, startTimeoutMs = 30_000) {
    this.child = spawn(z.bwrap, zygoteBwrapArgs(z), { env: { PATH: '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true, uid: z.uid, gid: z.gid });
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (s: string) => (this.stderrTail = (this.stderrTail + s).slice(-4000)));
    this.child.stdin!.on('error', () => {}); // a dead zygote: reported by 'exit'
    this.child.on('error', (e) => this.die(`cannot start ${z.bwrap}: ${e.message}`));
    this.child.on('exit', (code, signal) => this.die(`the zygote exited (${signal ?? `status ${code}`})`));
    this.ready = this.next(startTimeoutMs).then((f) => {
      if (f.header.ready !== true) throw new ZygoteError(`the zygote's first message was not "ready": ${JSON.stringify(f.header)}`);
      return String(f.header.python ?? '');
    });
    this.ready.catch(() => {}); // the caller awaits it; this keeps an early death from being unhandled
  }

  get alive(): boolean {
    return this.deadReason === null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Idle zygotes do not keep the factory's process alive. */
  hold(held: boolean): void {
    const streams = [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref?: () => void; unref?: () => void }[];
    if (held) {
      this.child.ref();
      for (const s of streams) s?.ref?.();
    } else {
      this.child.unref();
      for (const s of streams) s?.unref?.();
    }
  }

  /**
   * Run a request's tests one after the other; after each, `next(result, i)` says whether to run the following
   * one. Rejects with a ZygoteError (and kills the zygote) when it breaks or stops answering.
   */
  async run(req: ZygoteRequest, answerWithinMs: number, next: (r: ZygoteRunResult, i: number) => boolean): Promise<void> {
    await this.settlePrevious(answerWithinMs);
    this.send(Buffer.concat([Buffer.from('R'), frame(Buffer.from(JSON.stringify(req)))]));
    const judgeDecides = req.stopPattern === undefined;
    let wanted = true;
    for (let i = 0; i < req.runs.length; i++) {
      const f = await this.next(answerWithinMs);
      if (f.header.end !== undefined) throw this.fail(`the zygote's run ended early (status ${String(f.header.end)})${this.tail()}`);
      const r: ZygoteRunResult = {
        exitCode: f.header.exitCode as number | null,
        signal: f.header.signal as string | null,
        timedOut: f.header.timedOut === true,
        outputLimited: f.header.outputLimited === true,
        wallMs: Number(f.header.wallMs),
        stdout: f.stdout.toString('utf8'),
        stderr: f.stderr.toString('utf8'),
        setupError: typeof f.header.setupError === 'string' ? f.header.setupError : null,
      };
      // Results after the judge said stop (init stops on the same limits, so there are none) are not reported.
      if (wanted) wanted = next(r, i);
      if (f.header.last === true) break;
      if (judgeDecides) {
        this.send(Buffer.from(wanted ? 'c' : 's'));
        if (!wanted) break;
      }
    }
    // The zygote reports the end of the request once the namespaces are torn down; the next request reads it
    // (it is already queued behind this one), so that tear-down is not on this run's path.
    this.endPending = true;
  }

  private async settlePrevious(withinMs: number): Promise<void> {
    if (!this.endPending) return;
    this.endPending = false;
    const end = await this.next(withinMs);
    if (end.header.end !== 0) throw this.fail(`the zygote's previous run ended with status ${String(end.header.end)}${this.tail()}`);
  }

  kill(): void {
    this.die('killed by the judge');
  }

  private tail(): string {
    const t = this.stderrTail.trim();
    return t ? `: ${t.split('\n').slice(-3).join(' | ')}` : '';
  }

  private fail(message: string): ZygoteError {
    this.die(message);
    return new ZygoteError(message);
  }

  private send(b: Buffer): void {
    if (this.deadReason) return;
    this.child.stdin!.write(b);
  }

  private next(withinMs: number): Promise<Frame> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    if (this.deadReason) return Promise.reject(new ZygoteError(this.deadReason + this.tail()));
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => this.die(`the zygote did not answer within ${withinMs} ms`), withinMs);
      this.waiter = {
        resolve: (f) => (clearTimeout(timer), resolve(f)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.buffer.length < 4) return;
      const n = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + n) return;
      let header: Record<string, unknown>;
      try {
        header = JSON.parse(this.buffer.subarray(4, 4 + n).toString('utf8')) as Record<string, unknown>;
      } catch {
        this.die('the zygote sent a malformed message');
        return;
      }
      const outBytes = Number(header.stdoutBytes ?? 0);
      const errBytes = Number(header.stderrBytes ?? 0);
      const total = 4 + n + outBytes + errBytes;
      if (this.buffer.length < total) return;
      const f: Frame = { header, stdout: this.buffer.subarray(4 + n, 4 + n + outBytes), stderr: this.buffer.subarray(4 + n + outBytes, total) };
      this.buffer = this.buffer.subarray(total);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(f);
      } else this.frames.push(f);
    }
  }

  private die(reason: string): void {
    if (this.deadReason === null) this.deadReason = reason;
    try {
      if (this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    this.hold(false);
    const w = this.waiter;
    this.waiter = null;
    w?.reject(new ZygoteError(this.deadReason + this.tail()));
  }
}

function frame(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}
