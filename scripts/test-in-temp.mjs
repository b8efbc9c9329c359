// Run a test command with TMPDIR set to a fresh directory, and remove that directory when it ends: whatever the
// tests (and the processes they start) make in the temp dir is cleaned up, even after a failure or a kill -9 of a
// child. `node scripts/test-in-temp.mjs <node args…>`.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = mkdtempSync(path.join(tmpdir(), 'distillery-tests-'));
// Like /tmp itself: sandboxed programs run as another user (the code judge) must reach their files under it.
chmodSync(root, 0o1777);
// DISTILLERY_TEST_CACHE: the system temp dir, for what tests keep between runs on purpose (a Python venv).
const env = { ...process.env, TMPDIR: root, TMP: root, TEMP: root, DISTILLERY_TEST_CACHE: process.env.DISTILLERY_TEST_CACHE ?? tmpdir() };
const child = spawn(process.execPath, process.argv.slice(2), { stdio: 'inherit', env });
// Ctrl-C reaches the child too (same process group): wait for it, then clean up.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('close', (code, signal) => {
  rmSync(root, { recursive: true, force: true });
  process.exitCode = code ?? (signal ? 1 : 0);
});
