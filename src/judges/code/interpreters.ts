import { execFile } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Language } from './extract-program.ts';

const run = promisify(execFile);

/** An interpreter as the sandbox needs it: the executable, and the host folders it must see (read-only). */
export interface Interpreter {
  command: string;
  /** Folders outside /usr, /etc (always visible) that the interpreter loads from, e.g. a pyenv prefix. */
  extraReadOnly: string[];
  version: string;
}

const ALWAYS_VISIBLE = ['/usr/', '/etc/', '/bin/', '/lib/', '/lib64/'];

function outside(dirs: string[]): string[] {
  const real = dirs.map((d) => realpathSync(d));
  return [...new Set(real)].filter((d) => !ALWAYS_VISIBLE.some((v) => (d + '/').startsWith(v)));
}

/**
 * Resolve `python3` (or the given one) to its real executable and prefixes. The system's /usr/bin/python3 is
 * preferred over whatever PATH finds first, because shims (pyenv, asdf) are scripts that need a home directory.
 */
export async function resolvePython(given?: string): Promise<Interpreter> {
  const candidates = given ? [given] : ['/usr/bin/python3', '/usr/local/bin/python3', 'python3'];
  const errors: string[] = [];
  for (const c of candidates) {
    try {
      const { stdout } = await run(c, ['-c', 'import sys, json; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix, sys.version.split()[0]]))'], { timeout: 10_000 });
      const [exe, prefix, basePrefix, version] = JSON.parse(stdout) as string[];
      const command = realpathSync(exe);
      return { command, extraReadOnly: outside([path.dirname(command), prefix, basePrefix]), version };
    } catch (e) {
      errors.push(`${c}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`code judge: no usable python3 (${errors.join('; ')}); install python3 or pass { python: '/path/to/python3' }`);
}

/** The node running the factory is the one programs run on (or the given one). */
export async function resolveNode(given?: string): Promise<Interpreter> {
  const exe = given ?? process.execPath;
  try {
    const { stdout } = await run(exe, ['-p', 'JSON.stringify([process.execPath, process.version])'], { timeout: 10_000 });
    const [real, version] = JSON.parse(stdout) as string[];
    const command = realpathSync(real);
    return { command, extraReadOnly: outside([path.dirname(path.dirname(command))]), version };
  } catch (e) {
    throw new Error(`code judge: cannot run node at ${exe} (${(e as Error).message.split('\n')[0]}); pass { node: '/path/to/node' }`);
  }
}

export function resolveInterpreter(language: Language, given: { python?: string; node?: string }): Promise<Interpreter> {
  return language === 'python' ? resolvePython(given.python) : resolveNode(given.node);
}
