import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** "distillery@<version>+<git short hash>" (the hash when the code runs from a git checkout). */
export function codeVersion(): string {
  if (cached) return cached;
  const root = new URL('../../', import.meta.url);
  const version = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string }).version;
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // not a git checkout (installed package): the version alone
  }
  cached = `distillery@${version}${commit ? `+${commit}` : ''}`;
  return cached;
}
