import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** What a process did, before any interpretation. */
export interface RawRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The wall-clock limit passed and the process group was killed. */
  timedOut: boolean;
  /** stdout passed the cap and the process group was killed. */
  outputLimited: boolean;
  stdout: string;
  /** The last bytes of stderr (capped). */
  stderr: string;
  /** Text written to the extra status pipe (bwrap's --json-status-fd), when one was asked for. */
  status: string;
  /** The process could not be started at all (ENOENT, EACCES …). */
  spawnError: string | null;
  wallMs: number;
}

export interface SpawnRequest {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  stdin: string;
  /** Extra pipes after stdin/stdout/stderr: contents written to fds 3, 4, … in order ('status' = read back). */
  extraFds?: ({ write: string } | 'status')[];
  /** Run as this uid/gid (the factory runs as root: programs must not). */
  uid?: number;
  gid?: number;
  timeoutMs: number;
  maxOutputBytes: number;
  maxStderrBytes?: number;
}

/** Live process groups, so that close() can kill whatever is still running. */
export interface ProcessTracker {
  add(child: ChildProcess): void;
  delete(child: ChildProcess): void;
}

/**
 * Spawn a process as the leader of its own process group, feed stdin, capture stdout up to a cap and the tail
 * of stderr, and SIGKILL the whole group on the wall-clock limit or the output cap. Never rejects.
 */
export function spawnCapture(req: SpawnRequest, tracker?: ProcessTracker): Promise<RawRun> {
  const started = performance.now();
  const extra = req.extraFds ?? [];
  const stdio: StdioOptions = ['pipe', 'pipe', 'pipe', ...extra.map(() => 'pipe' as const)];
  const maxStderr = req.maxStderrBytes ?? 8192;
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(req.command, req.args, {
        cwd: req.cwd,
        env: req.env,
        stdio,
        detached: true, // own process group: one kill reaches every process it forked
        uid: req.uid,
        gid: req.gid,
        windowsHide: true,
      });
    } catch (e) {
      resolve(empty(started, `cannot start ${req.command}: ${(e as Error).message}`));
      return;
    }
    tracker?.add(child);
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let status = '';
    let timedOut = false;
    let outputLimited = false;
    let spawnError: string | null = null;
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
      stopWaitingSoon();
    }, req.timeoutMs);

    child.stdout!.on('data', (chunk: Buffer) => {
      if (outputLimited) return;
      outBytes += chunk.length;
      if (outBytes > req.maxOutputBytes) {
        outputLimited = true;
        out.push(chunk.subarray(0, chunk.length - (outBytes - req.maxOutputBytes)));
        killGroup();
        return;
      }
      out.push(chunk);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > maxStderr) err = err.subarray(err.length - maxStderr);
    });
    extra.forEach((fd, i) => {
      const stream = child.stdio[3 + i] as NodeJS.ReadWriteStream | null;
      if (!stream) return;
      stream.on('error', () => {}); // a sandbox that exits early closes its end: not our failure
      if (fd === 'status') {
        stream.setEncoding('utf8');
        stream.on('data', (s: string) => {
          if (status.length < 65536) status += s;
        });
      } else {
        stream.end(fd.write);
      }
    });
    child.stdin!.on('error', () => {}); // EPIPE when the program never reads its input
    child.stdin!.end(req.stdin);

    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(straggler);
      killGroup(); // stragglers that outlived the leader (rlimit-only mode)
      tracker?.delete(child);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        outputLimited,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: err.toString('utf8'),
        status,
        spawnError,
        wallMs: performance.now() - started,
      });
    };
    // A descendant that left the process group can hold stdout open after the leader exited: stop waiting for
    // it a moment after the exit, so one run can never hang the judge.
    let straggler: NodeJS.Timeout | undefined;
    const stopWaitingSoon = () => {
      straggler ??= setTimeout(() => {
        for (const s of child.stdio) s?.destroy();
        finish();
      }, 1000);
    };
    child.on('error', (e) => {
      spawnError = `cannot start ${req.command}: ${e.message}`;
      stopWaitingSoon();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      killGroup();
      stopWaitingSoon();
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  });
}

function empty(started: number, spawnError: string): RawRun {
  return { exitCode: null, signal: null, timedOut: false, outputLimited: false, stdout: '', stderr: '', status: '', spawnError, wallMs: performance.now() - started };
}
