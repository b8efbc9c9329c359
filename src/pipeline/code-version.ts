import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * "distillery@<version>" from the package's own package.json, "+<git short hash>" only when the package runs from
 * its own git checkout. Installed under a user's repository (node_modules/distillery), `git rev-parse HEAD` would
 * answer the user's HEAD: every commit of theirs would change the code version and drop `--reuse`'s stored verdicts.
 */
export function codeVersion(): string {
  if (cached) return cached;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { name: string; version: string };
  let commit = '';
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (realpathSync(git('rev-parse', '--show-toplevel')) === realpathSync(root)) commit = git('rev-parse', '--short', 'HEAD');
  } catch {
    // not a git checkout (installed package): the version alone
  }
  cached = `${pkg.name}@${pkg.version}${commit ? `+${commit}` : ''}`;
  return cached;
}
