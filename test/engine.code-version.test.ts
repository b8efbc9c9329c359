/**
 * The code version comes from the package itself: its version, plus its git commit only when it runs from its
 * own checkout, never the HEAD of a user's repository it is installed in (that would drop --reuse's verdicts at
 * every commit of theirs).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { codeVersion } from '../src/pipeline/code-version.ts';
import { repoRoot } from './support/engine-fixture.ts';

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

test('from its own checkout: the package version and its commit', () => {
  const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot }).toString().trim();
  assert.equal(codeVersion(), `distillery@${version}+${head}`);
});

test("installed inside a user's git repository: the package version alone, whatever the user's HEAD", () => {
  const user = mkdtempSync(path.join(tmpdir(), 'distillery-user-repo-'));
  try {
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=u@example.com', '-c', 'user.name=u', ...args], { cwd: user, stdio: ['ignore', 'pipe', 'ignore'] });
    git('init', '-q');
    writeFileSync(path.join(user, 'a.txt'), 'x');
    git('add', '.');
    git('commit', '-qm', 'user commit');
    const pkg = path.join(user, 'node_modules', 'distillery');
    cpSync(path.join(repoRoot, 'package.json'), path.join(pkg, 'package.json'));
    for (const file of ['src/pipeline/code-version.ts', 'src/config/package-root.ts']) {
      mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
      cpSync(path.join(repoRoot, file), path.join(pkg, file));
    }
    const out = execFileSync(process.execPath, ['--import', import.meta.resolve('tsx'), '-e', "import('./src/pipeline/code-version.ts').then((m) => process.stdout.write(m.codeVersion()))"], { cwd: pkg }).toString();
    assert.equal(out, `distillery@${version}`);
  } finally {
    rmSync(user, { recursive: true, force: true });
  }
});
