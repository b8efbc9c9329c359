import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../schemas/config-error.ts';

/**
 * Resolve a source or recording path given in a pipeline file (a string relative to the working directory, or a
 * file URL such as `new URL('../datasets/x.jsonl', import.meta.url)`), and check it exists now: a missing input
 * is a config error, reported before any work.
 */
export function resolveInputFile(file: string | URL, what: string): string {
  const abs = file instanceof URL ? fileURLToPath(file) : path.resolve(file);
  if (!existsSync(abs)) throw new ConfigError(`${what}: ${String(file)}: file not found (resolved to ${abs})`);
  if (!statSync(abs).isFile()) throw new ConfigError(`${what}: ${String(file)}: not a file`);
  return abs;
}
