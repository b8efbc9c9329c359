// CLI start-up: `distillery --help` through the installed bin against a bare `node -e 0`, side by side (alternating,
// so both see the same machine load), median of runs; goal ≤ 2.5×. The package is packed and installed into a
// fresh project under .bench/startup/ first (as a user gets it), unless --repo: then the repository's own dist/
// runs through bin/distillery.mjs (DISTILLERY_USE_DIST=1; `npm run build` first).
//   npm run bench:startup [-- --runs N] [-- --repo]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 21;
const repo = args.includes('--repo');

let command;
if (repo) {
  command = [process.execPath, path.join(root, 'bin', 'distillery.mjs'), '--help'];
} else {
  const dir = path.join(root, '.bench', 'startup');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'project'), { recursive: true });
  const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };
  process.stderr.write('packing and installing the package into .bench/startup/project …\n');
  execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
  execFileSync('npm', ['init', '-y'], { cwd: path.join(dir, 'project'), env, stdio: 'ignore' });
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: path.join(dir, 'project'), env, stdio: ['ignore', 'ignore', 'inherit'] });
  command = [path.join(dir, 'project', 'node_modules', '.bin', 'distillery'), '--help'];
}

const time = (cmd, env) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0], cmd.slice(1), { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const env = { ...process.env, DISTILLERY_USE_DIST: '1' };
const bare = [];
const cli = [];
time([process.execPath, '-e', '0'], env); // warm the file cache
time(command, env);
for (let i = 0; i < runs; i++) {
  bare.push(time([process.execPath, '-e', '0'], env));
  cli.push(time(command, env));
}
const b = median(bare);
const c = median(cli);
console.log(`node -e 0:           median ${b.toFixed(1)} ms (${runs} runs)`);
console.log(`distillery --help:   median ${c.toFixed(1)} ms (${repo ? 'repo dist/' : 'installed bin'})`);
console.log(`ratio: ${(c / b).toFixed(2)}x (goal ≤ 2.5x)`);
