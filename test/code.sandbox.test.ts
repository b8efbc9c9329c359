import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCodeRunner, type CodeRunner } from '../src/judges/code/code-runner.ts';
import type { CodeTests } from '../src/judges/code/code-tests.ts';
import type { CodeResult } from '../src/judges/code/outcome.ts';

// Hostile programs, each run in the real bubblewrap sandbox with small limits, all at once through the pool.
// The factory's HOME points at a temp dir for the whole file, so a broken sandbox would harm nothing.
const realHome = process.env.HOME;
const fakeHome = mkdtempSync(path.join(tmpdir(), 'distillery-code-home-'));
process.env.HOME = fakeHome;
const SECRET = `sk-distillery-test-${process.pid}-${Date.now()}`;
process.env.DISTILLERY_TEST_SECRET = SECRET;
const MARK = `distillery-escape-${process.pid}`;
const STRAY_SLEEP = String(900_000 + (process.pid % 90_000)); // a unique `sleep N` a program tries to leave behind

const limits = { timeoutMs: 6000, cpuSeconds: 2, memoryBytes: 256 * 1024 * 1024, maxProcesses: 32, maxFileBytes: 1024 * 1024, maxOutputBytes: 1024 * 1024, concurrency: 6 };
const runner: CodeRunner = createCodeRunner(limits);
const roomy: CodeRunner = createCodeRunner({ ...limits, timeoutMs: 60_000, cpuSeconds: 30, concurrency: 1 });
const probe = await runner.run({ program: 'print(1)', tests: { kind: 'io', tests: [{ input: '', output: '1' }] } });
const unavailable = probe.outcome === 'sandbox_error' ? probe.reason : null;
if (unavailable) console.error(`code sandbox tests skipped: ${unavailable}`);

const io = (output: string, input = ''): CodeTests => ({ kind: 'io', tests: [{ input, output }] });
const py = (program: string, tests: CodeTests = io('never')) => runner.run({ program, language: 'python', tests });
const js = (program: string, tests: CodeTests = io('never')) => runner.run({ program, language: 'javascript', tests });
const outcome = (r: CodeResult, expected: string) => assert.equal(r.outcome, expected, r.reason);

test('without bubblewrap namespaces the judge says so as a sandbox_error (never a fail) with what to do', { skip: !unavailable }, () => {
  assert.equal(probe.outcome, 'sandbox_error');
  assert.match(probe.reason, /bubblewrap|bwrap/);
  assert.match(probe.reason, /rlimit-only/);
});

describe('hostile programs are contained with the right outcome', { skip: unavailable ?? false, concurrency: true }, () => {
  let server: Server;
  let port = 0;
  const connections: Socket[] = [];
  const received: Buffer[] = [];
  before(async () => {
    server = createServer((s) => {
      connections.push(s);
      s.on('data', (d) => received.push(d));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a correct program passes every test', async () => {
    const r = await py('a, b = map(int, input().split())\nprint(a + b)', { kind: 'io', tests: [{ input: '2 3', output: '5' }, { input: '10 -4\n', output: '6\n' }] });
    outcome(r, 'pass');
    assert.equal(r.passed, 2);
  });
  test('a wrong answer fails and reports the first failing test', async () => {
    const r = await py('n = int(input())\nprint(n * 2 if n < 3 else 0)', { kind: 'io', tests: [1, 2, 3, 4].map((n) => ({ input: String(n), output: String(n * 2) })) });
    outcome(r, 'fail');
    assert.deepEqual([r.passed, r.total, r.firstFailure], [2, 4, 2]);
  });
  test('infinite loop: timeout', async () => outcome(await py('while True:\n    pass'), 'timeout'));
  test('sleep: timeout (wall clock, no CPU used)', async () => outcome(await py('import time\ntime.sleep(3600)'), 'timeout'));
  test('allocating gigabytes: memory', async () => outcome(await py('blocks = [bytearray(1024 ** 3) for _ in range(8)]'), 'memory'));
  test('fork bomb: contained by the process limit and the group kill', async () => {
    const r = await py('import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass');
    assert.ok(r.outcome === 'timeout' || r.outcome === 'runtime_error', `${r.outcome}: ${r.reason}`);
  });
  test('a daemonised child does not outlive its run', async () => {
    const r = await py(`import subprocess\nsubprocess.Popen(["sleep", "${STRAY_SLEEP}"], start_new_session=True)\nprint("spawned")`, io('spawned'));
    outcome(r, 'pass');
  });
  test('connecting to a listener on 127.0.0.1: no network, the listener receives nothing', async () => {
    const program = `import socket\ntry:\n    s = socket.create_connection(("127.0.0.1", ${port}), timeout=1)\n    s.sendall(b"escaped")\n    print("connected")\nexcept OSError:\n    print("blocked")`;
    outcome(await py(program, io('blocked')), 'pass');
    outcome(await js(`const s = require('net').connect(${port}, '127.0.0.1', () => { s.write('escaped'); console.log('connected'); s.end(); });\ns.on('error', () => console.log('blocked'));`, io('blocked')), 'pass');
    assert.equal(connections.length, 0);
    assert.equal(received.length, 0);
  });
  test('writing outside the temp dir: nothing reaches the host', async () => {
    const targets = [path.join(fakeHome, '.bashrc'), path.join(tmpdir(), MARK), path.join(realHome ?? '/root', MARK), `/etc/${MARK}`, `/usr/${MARK}`, path.join(process.cwd(), MARK)];
    const program = `import os\nfor p in ${JSON.stringify(targets)} + [os.path.expanduser("~/.bashrc")]:\n    try:\n        with open(p, "a") as f:\n            f.write("echo pwned\\n")\n    except OSError:\n        pass\nprint("done")`;
    outcome(await py(program, io('done')), 'pass');
    for (const t of targets.slice(2)) assert.ok(!existsSync(t), `${t} was written`);
    assert.ok(!existsSync(path.join(fakeHome, '.bashrc')), 'HOME/.bashrc was written');
    assert.ok(!existsSync(path.join(tmpdir(), MARK)), 'the system temp folder was written');
  });
  test('reading environment secrets: the program sees none of the factory environment', async () => {
    const program = `import os, glob\nleak = any("${SECRET}" in v for v in os.environ.values())\nfor p in glob.glob("/proc/*/environ"):\n    try:\n        leak = leak or "${SECRET}".encode() in open(p, "rb").read()\n    except OSError:\n        pass\nprint("leaked" if leak else "clean")`;
    outcome(await py(program, io('clean')), 'pass');
    outcome(await js(`console.log(JSON.stringify(process.env).includes('${SECRET}') ? 'leaked' : 'clean')`, io('clean')), 'pass');
  });
  test('killing its parent and everything it can see harms neither the judge nor other runs', async () => {
    const killer = py('import os, signal\nfor pid in [os.getppid(), 1]:\n    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\nos.kill(-1, signal.SIGKILL)\nprint("unreachable")');
    const bystander = py('import time\ntime.sleep(0.5)\nprint(42)', io('42'));
    const r = await killer;
    assert.notEqual(r.outcome, 'pass');
    assert.notEqual(r.outcome, 'sandbox_error', r.reason);
    outcome(await bystander, 'pass');
    assert.equal(process.ppid > 0, true); // still here
  });
  test('100 MB of stdout: output_limit', async () => {
    outcome(await py('import sys\nchunk = "x" * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)'), 'output_limit');
    outcome(await js("const c = 'x'.repeat(1 << 20); for (let i = 0; i < 100; i++) process.stdout.write(c);"), 'output_limit');
  });
  test('deep recursion: runtime_error', async () => {
    outcome(await py('def f(n):\n    return f(n + 1)\nf(0)'), 'runtime_error');
    outcome(await js('function f(n) { return f(n + 1); }\nf(0);'), 'runtime_error');
  });
  test('sys.exit(1) / process.exit(1): runtime_error', async () => {
    outcome(await py('import sys\nsys.exit(1)'), 'runtime_error');
    outcome(await js('process.exit(1)'), 'runtime_error');
  });
  test('JavaScript: infinite loop is a timeout, a growing heap is a memory outcome, a correct program passes', async () => {
    outcome(await js('for (;;) {}'), 'timeout');
    // V8 collects many times before it gives up near its heap limit (seconds on a loaded machine): a longer limit.
    outcome(await roomy.run({ program: 'const a = []; for (;;) a.push(new Array(1e6).fill(1.5));', language: 'javascript', tests: io('never') }), 'memory');
    outcome(await js("const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\nconsole.log(a * b);", io('42', '6 7')), 'pass');
  });
  test('exiting early with status 0 cannot fake a HumanEval pass', async () => {
    const tests: CodeTests = { kind: 'function', prompt: 'def add(a, b):\n', test: 'def check(candidate):\n    assert candidate(1, 2) == 3\n', entryPoint: 'add' };
    outcome(await py('    return a + b\n', tests), 'pass');
    outcome(await py('    return a - b\nimport sys\nsys.exit(0)\n', tests), 'fail');
    outcome(await py('    return a - b\nimport os\nos._exit(0)\n', tests), 'fail');
  });
});

test('rlimit-only mode (explicit opt-in) still enforces limits, scrubs the environment and cleans up', async () => {
  const weak = createCodeRunner({ ...limits, sandbox: 'rlimit-only' });
  try {
    const [ok, loop, env] = await Promise.all([
      weak.run({ program: 'print(sum(map(int, input().split())))', tests: io('6', '1 2 3') }),
      weak.run({ program: 'while True:\n    pass', tests: io('x') }),
      weak.run({ program: `import os\nprint("leaked" if "${SECRET}" in str(os.environ) else "clean")`, tests: io('clean') }),
    ]);
    outcome(ok, 'pass');
    outcome(loop, 'timeout');
    outcome(env, 'pass');
  } finally {
    await weak.close();
  }
});

after(async () => {
  await runner.close();
  await roomy.close();
  // No stray process: nothing left running the sandboxed programs or the daemonised sleep.
  const stray: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      continue;
    }
    if (cmd.includes(STRAY_SLEEP) || / main\.(py|js)$/.test(cmd)) stray.push(`${pid}: ${cmd}`);
  }
  // No file outside the sandbox: the runs leave no work dir and none of the files they tried to write.
  const left = readdirSync(tmpdir()).filter((f) => f === MARK || f.startsWith('distillery-code-') && !f.startsWith('distillery-code-home-'));
  process.env.HOME = realHome;
  rmSync(fakeHome, { recursive: true, force: true });
  assert.deepEqual(stray, [], 'stray processes after the suite');
  assert.deepEqual(left, [], 'files left in the system temp folder');
});
