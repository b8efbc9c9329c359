import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { PACKAGE_ROOT, PACKAGE_VERSION } from '../config/package-root.ts';

let cached: string | null = null;

/**
 * "distillery@<version>" from the package's own package.json, "+<git short hash>" only when the package runs from
 * its own git checkout. Installed under a user's repository (node_modules/distillery), `git rev-parse HEAD` would
 * answer the user's HEAD: every commit of theirs would change the code version and drop `--reuse`'s stored verdicts.
 */
export function codeVersion(): string {
  if (cached) return cached;
  let commit = '';
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    if (realpathSync(git('rev-parse', '--show-toplevel')) === realpathSync(PACKAGE_ROOT)) commit = git('rev-parse', '--short', 'HEAD');
  } catch {
    // not a git checkout (installed package), or git missing: the version alone
  }
  cached = `distillery@${PACKAGE_VERSION}${commit ? `+${commit}` : ''}`;
  return cached;
}
