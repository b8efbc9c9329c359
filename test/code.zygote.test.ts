import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createCodeRunner, type CodeRunner } from '../src/judges/code/code-runner.ts';
import type { CodeTests } from '../src/judges/code/code-tests.ts';
import type { CodeResult } from '../src/judges/code/outcome.ts';

// The warm sandbox forks every program from a long-lived zygote: these tests prove that a program can neither
// see anything an earlier one left nor affect a later one, on the SAME zygote (concurrency 1, and the runner's
// counters show that no second zygote was started), and that a zygote that dies costs one `sandbox_error`.
const limits = { timeoutMs: 8000, cpuSeconds: 6, memoryBytes: 512 * 1024 * 1024, maxProcesses: 32, maxFileBytes: 1024 * 1024, maxOutputBytes: 1024 * 1024, concurrency: 1 };
const runner: CodeRunner = createCodeRunner(limits);
const probe = await runner.run({ program: 'print(1)', tests: { kind: 'io', tests: [{ input: '', output: '1' }] } });
const unavailable = probe.outcome === 'sandbox_error' ? `no sandbox here: ${probe.reason}` : false;
after(() => runner.close());

const io = (output: string, input = ''): CodeTests => ({ kind: 'io', tests: [{ input, output }] });
const py = (program: string, tests: CodeTests = io('clean')) => runner.run({ program, language: 'python', tests });
const outcome = (r: CodeResult, expected: string) => assert.equal(r.outcome, expected, `${r.reason}\n${r.stderrTail ?? ''}`);

// A memory marker: 64 pages of a 16-byte unit. The reader knows only the SHA-256 of the 16 rotations of a page
// of it, so the marker's bytes are never in the reader's memory unless something carried them over.
const unit = randomBytes(16);
const pageHashes = Array.from({ length: 16 }, (_, k) => {
  const rotated = Buffer.concat([unit.subarray(k), unit.subarray(0, k)]);
  return createHash('sha256').update(Buffer.concat(Array.from({ length: 256 }, () => rotated))).digest('hex');
});
const tag = `distillery_leak_${randomBytes(6).toString('hex')}`;
const SHM_KEY = 0x5a000000 + (process.pid % 0xffff);

/** What the earlier program leaves behind: files, shared memory, environment, modules, builtins, fds, memory. */
const LEAVE = `
import os, sys, builtins, types, ctypes, socket
open("/tmp/${tag}", "w").write("x")
open("/dev/shm/${tag}", "w").write("x")
try:
    open("/${tag}", "w").write("x")
except OSError:
    pass
os.environ["${tag}"] = "1"
sys.modules["${tag}"] = types.ModuleType("${tag}")
builtins.abs = lambda x: 0
builtins.${tag} = True
libc = ctypes.CDLL(None, use_errno=True)
shmid = libc.shmget(${SHM_KEY}, 4096, 0o1666)  # IPC_CREAT | 0666: SysV shared memory outlives its creator
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\\0${tag}")
s.listen()
held = [open("/dev/null") for _ in range(200)]
marker = bytearray(bytes.fromhex("${unit.toString('hex')}") * 256 * 64)
print("left" if shmid >= 0 else "no shm %d" % ctypes.get_errno())
`;

/** What a later program checks: it prints `clean`, or what it found. */
const CHECK = `
import os, sys, builtins, ctypes, socket, hashlib
found = []
fds = sorted(int(f) for f in os.listdir("/proc/self/fd"))
if fds[:3] != [0, 1, 2] or len(fds) > 4:  # 0-2 and the one listdir itself opens
    found.append("descriptors")
for p in ["/tmp", "/dev/shm", ""]:
    if os.path.exists(p + "/${tag}"):
        found.append("file %s/" % p)
if "${tag}" in os.environ:
    found.append("environment")
if "${tag}" in sys.modules:
    found.append("module")
if abs(-1) != 1 or hasattr(builtins, "${tag}"):
    found.append("builtins")
libc = ctypes.CDLL(None, use_errno=True)
if libc.shmget(${SHM_KEY}, 0, 0) >= 0:
    found.append("sysv shared memory")
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
    try:
        client.connect("\\0${tag}")
        found.append("abstract socket")
    except OSError:
        pass
if sorted(p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()) != ["1"]:
    found.append("processes")
wanted = set(${JSON.stringify(pageHashes)})
mem = open("/proc/self/mem", "rb", buffering=0)
for line in open("/proc/self/maps").read().splitlines():
    span, perms = line.split()[:2]
    if not perms.startswith("r"):
        continue
    start, end = (int(x, 16) for x in span.split("-"))
    for at in range(start, end, 1 << 20):
        try:
            mem.seek(at)
            chunk = mem.read(min(1 << 20, end - at))
        except (OSError, OverflowError, ValueError):
            break
        for off in range(0, len(chunk) - 4095, 4096):
            if hashlib.sha256(chunk[off:off + 4096]).hexdigest() in wanted:
                found.append("memory")
                break
        if found and found[-1].startswith("memory"):
            break
print("clean" if not found else "; ".join(sorted(set(found))))
`;

test('the leak checks work: a program that leaves everything behind and checks in the same process finds it all', { skip: unavailable }, async () => {
  // Everything but the read-only root (not writable) and other processes (none left running).
  const all = 'abstract socket; builtins; descriptors; environment; file /dev/shm/; file /tmp/; memory; module; sysv shared memory';
  outcome(await py(`${LEAVE}\n${CHECK}`, io(`left\n${all}`)), 'pass');
});

test('a later program on the same zygote sees nothing an earlier one left: files, env, modules, builtins, ipc, sockets, fds, processes, memory', { skip: unavailable }, async () => {
  const before = runner.stats().zygotesStarted;
  outcome(await py(LEAVE, io('left')), 'pass');
  outcome(await py(CHECK), 'pass');
  assert.equal(runner.stats().zygotesStarted, before, 'both programs ran on the zygote that was already warm');
});

test('a program cannot harm the zygote: killing everything, writing to every descriptor, exhausting fds, forging protocol frames', { skip: unavailable }, async () => {
  const before = runner.stats().zygotesStarted;
  const hostile = `
import os, signal, struct, json, sys
for pid in [1, os.getppid()] + [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):
        try:
            os.kill(pid, sig)
        except OSError:
            pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
forged = json.dumps({"end": 0}).encode()
frame = struct.pack(">I", len(forged)) + forged
written = []
for fd in range(3, 1024):
    try:
        os.write(fd, frame)
        written.append(fd)
    except OSError:
        pass
held = []
try:
    while True:
        held.append(os.open("/dev/null", os.O_RDONLY))
except OSError:
    pass
sys.stdout.buffer.write(frame)
sys.stdout.write("wrote to %s, held %d\\n" % (written, len(held)))
`;
  const r = await py(hostile, io('never'));
  outcome(r, 'fail');
  assert.match(r.reason, /wrote to \[\], held \d+/, 'no descriptor beyond its own stdio was open to it');
  outcome(await py('print(sum(range(10)))', io('45')), 'pass');
  outcome(await py('import builtins\nbuiltins.print = None\nraise SystemExit(0)', io('')), 'pass');
  outcome(await py('print("still", "here")', io('still here')), 'pass');
  assert.equal(runner.stats().zygotesStarted, before, 'no zygote had to be restarted');
});

/** The judge's own zygote processes (bwrap, then the Python fork server inside it), found through /proc. */
function zygotePids(): number[] {
  const pids: number[] = [];
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && stat.includes('(bwrap)')) pids.push(Number(p));
    } catch {
      // gone
    }
  }
  return pids;
}

test('a zygote killed mid-run: that run is a sandbox_error (never a verdict on the program), the next one gets a fresh zygote', { skip: unavailable }, async () => {
  const before = runner.stats().zygotesStarted;
  const running = py('import time\ntime.sleep(3)\nprint("done")', io('done'));
  await new Promise((r) => setTimeout(r, 1000));
  const pids = zygotePids();
  assert.ok(pids.length >= 1, `the zygote is a child of the judge (${process.pid})`);
  for (const pid of pids) process.kill(pid, 'SIGKILL');
  const r = await running;
  outcome(r, 'sandbox_error');
  outcome(await py('print("after")', io('after')), 'pass');
  assert.equal(runner.stats().zygotesStarted, before + 1, 'a new zygote was started');
});

test("a sample's tests run in one sandboxed run: a timeout per test, the same outcomes, a fresh /tmp for each test", { skip: unavailable }, async () => {
  const program = 'import os\nn = int(input())\nopen("/tmp/count", "a").write("x")\nif n == 3:\n    while True:\n        pass\nprint(n * 2, len(open("/tmp/count").read()))';
  const tests: CodeTests = { kind: 'io', tests: [1, 2, 3, 4].map((n) => ({ input: String(n), output: `${n * 2} 1` })) };
  const quick = createCodeRunner({ ...limits, timeoutMs: 1500, cpuSeconds: 1 });
  try {
    const r = await quick.run({ program, language: 'python', tests });
    assert.deepEqual([r.outcome, r.passed, r.total, r.firstFailure], ['timeout', 2, 4, 2], r.reason);
    const ok = await quick.run({ program: 'print(int(input()) * 2, 1)', language: 'python', tests });
    assert.deepEqual([ok.outcome, ok.passed], ['pass', 4], ok.reason);
    // A wrong answer does not stop the run (the sandbox goes on by itself) unless stopAtFirstFailure asks to.
    const wrongAt2: CodeTests = { kind: 'io', tests: [1, 2, 3].map((n) => ({ input: String(n), output: String(n === 2 ? 0 : n * 2) })) };
    const goesOn = await quick.run({ program: 'print(int(input()) * 2)', language: 'python', tests: wrongAt2 });
    assert.deepEqual([goesOn.outcome, goesOn.passed, goesOn.firstFailure], ['fail', 2, 1], goesOn.reason);
    const strict = createCodeRunner({ ...limits, stopAtFirstFailure: true });
    try {
      const stops = await strict.run({ program: 'print(int(input()) * 2)', language: 'python', tests: wrongAt2 });
      assert.deepEqual([stops.outcome, stops.passed, stops.firstFailure], ['fail', 1, 1], stops.reason);
    } finally {
      await strict.close();
    }
    // Out of memory stops the run like a timeout: the later tests would cost as much for the same outcome.
    const oom = await quick.run({ program: 'n = int(input())\nif n == 2:\n    x = bytearray(1 << 40)\nprint(n * 2, 1)', language: 'python', tests });
    assert.deepEqual([oom.outcome, oom.passed, oom.firstFailure], ['memory', 1, 1], oom.reason);
    const js = await quick.run({ program: "const n = Number(require('fs').readFileSync(0, 'utf8')); console.log(n * 2, 1);", language: 'javascript', tests });
    assert.deepEqual([js.outcome, js.passed], ['pass', 4], js.reason);
  } finally {
    await quick.close();
  }
});

test('python programs run as python3 -B FILE would: __main__, argv, sys.path, stdin, exit codes, stderr, random state', { skip: unavailable }, async () => {
  const program = [
    'import sys, os, random',
    'assert __name__ == "__main__" and sys.argv == ["main.py"], (__name__, sys.argv)',
    'assert sys.path[0] == "/tmp" and os.getcwd() == "/tmp", sys.path[0]',
    'assert sys.dont_write_bytecode',
    'data = sys.stdin.read()',
    'print(data.upper(), random.random() != random.random())',
  ].join('\n');
  outcome(await py(program, io('HELLO\nWORLD True', 'hello\nworld')), 'pass');
  outcome(await py('import sys\nsys.exit(3)'), 'runtime_error');
  outcome(await py('raise ValueError("boom")'), 'runtime_error');
  const a = await py('import random\nprint(random.getrandbits(64))', io('x'));
  const b = await py('import random\nprint(random.getrandbits(64))', io('x'));
  assert.notEqual(a.reason, b.reason, 'each run gets its own random state');
});
