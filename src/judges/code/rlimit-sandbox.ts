import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Language } from './extract-program.ts';
import type { RunSpec } from './harness.ts';
import { resolveInterpreter, type Interpreter } from './interpreters.ts';
import { interpreterFlags, prlimitArgs, type RunLimits } from './limits.ts';
import { fromRaw, programEnv, unprivilegedIdentity, type ProcessResult, type Sandbox } from './sandbox.ts';
import { spawnCapture, type ProcessTracker } from './spawn-capture.ts';

const execFileAsync = promisify(execFile);

/**
 * The opt-in fallback for machines where bubblewrap cannot create namespaces: rlimits, a scrubbed environment,
 * a fresh temp dir as working and home directory, its own process group killed on the wall-clock limit, and
 * (when the factory runs as root) the `nobody` user. No namespaces: the program sees the host's network and
 * can read what that user can read; a program that leaves its process group outlives the kill.
 */
export function createRlimitSandbox(options: { python?: string; node?: string } = {}): Sandbox {
  const interpreters = new Map<Language, Promise<Interpreter>>();
  const identity = unprivilegedIdentity();
  let prlimit: Promise<string> | null = null;
  const findPrlimit = async () => {
    const { stdout } = await execFileAsync('sh', ['-c', 'command -v prlimit']).catch(() => ({ stdout: '' }));
    if (!stdout.trim()) throw new Error('prlimit not found on PATH (Debian package util-linux); the code judge sets rlimits with it');
    return stdout.trim();
  };
  return {
    mode: 'rlimit-only',
    describe: () => ({ sandbox: 'rlimit-only', runsAs: identity.uid ?? process.getuid?.() ?? null }),
    async execute(spec: RunSpec, limits: RunLimits, tracker?: ProcessTracker): Promise<ProcessResult> {
      let interpreter: Interpreter;
      let prlimitPath: string;
      try {
        prlimit ??= findPrlimit();
        prlimitPath = await prlimit;
        let p = interpreters.get(spec.language);
        if (!p) interpreters.set(spec.language, (p = resolveInterpreter(spec.language, options)));
        interpreter = await p;
      } catch (e) {
        return { exitCode: null, signal: null, timedOut: false, outputLimited: false, stdout: '', stderr: '', sandboxError: (e as Error).message, wallMs: 0 };
      }
      const dir = await mkdtemp(path.join(tmpdir(), 'distillery-code-'));
      try {
        for (const f of spec.files) await writeFile(path.join(dir, f.name), f.content);
        if (identity.uid !== undefined) {
          await chown(dir, identity.uid, identity.gid!);
          for (const f of spec.files) await chown(path.join(dir, f.name), identity.uid, identity.gid!);
        }
        const raw = await spawnCapture(
          {
            command: prlimitPath,
            args: [...prlimitArgs(spec.language, limits), '--', interpreter.command, ...interpreterFlags(spec.language, limits), ...spec.args],
            env: programEnv(dir, spec.env),
            cwd: dir,
            stdin: spec.stdin,
            ...identity,
            timeoutMs: limits.timeoutMs,
            maxOutputBytes: limits.maxOutputBytes,
          },
          tracker,
        );
        if (raw.spawnError) return fromRaw(raw, null, null, raw.spawnError);
        return fromRaw(raw, raw.exitCode, raw.signal, null);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
