import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractProgram, lastFencedBlock, parseLanguage } from '../src/judges/code/extract-program.ts';
import { outputsMatch } from '../src/judges/code/compare-output.ts';
import { parseCodeTests, InvalidCaseError } from '../src/judges/code/code-tests.ts';
import { buildRuns } from '../src/judges/code/harness.ts';
import { classifyRun } from '../src/judges/code/classify-run.ts';
import { verdictValueOf, OUTCOMES } from '../src/judges/code/outcome.ts';
import { parseBwrapStatus } from '../src/judges/code/bwrap-sandbox.ts';
import { signalFromStatus } from '../src/judges/code/sandbox.ts';
import type { ProcessResult } from '../src/judges/code/sandbox.ts';

test('extractProgram takes the last fenced block after </think>, ignoring blocks in the reasoning', () => {
  const r = '<think>try ```python\nprint(0)\n```</think>\nFirst:\n```py\nprint(1)\n```\nFinal:\n```python\nprint(2)\n```\n';
  assert.deepEqual(extractProgram(r), { code: 'print(2)\n', fenceLanguage: 'python' });
  assert.equal(extractProgram('<think>```python\nprint(1)\n```'), null, 'unclosed think: no final answer');
  assert.deepEqual(extractProgram('```js\nconsole.log(1)\n```'), { code: 'console.log(1)\n', fenceLanguage: 'javascript' });
  assert.equal(extractProgram('</think> no code here'), null);
  assert.deepEqual(lastFencedBlock('````\nx = "```"\n````'), { code: 'x = "```"\n', fenceLanguage: null });
  assert.equal(parseLanguage('Python3'), 'python');
  assert.equal(parseLanguage('rust'), null);
});

test('outputsMatch ignores trailing whitespace and applies a float tolerance only when asked', () => {
  assert.ok(outputsMatch('1 2  \r\n3\n\n', '1 2\n3'));
  assert.ok(!outputsMatch('1 2\n3', '1 2 3'));
  assert.ok(!outputsMatch('0.3333', '0.333333'));
  assert.ok(outputsMatch('0.3333', '0.333333', 1e-3));
  assert.ok(!outputsMatch('0.33', '0.333333', 1e-3));
  assert.ok(!outputsMatch('abc', 'abd', 1));
});

test('parseCodeTests reads io tests and HumanEval fields, and names what is missing', () => {
  assert.deepEqual(parseCodeTests({ tests: [{ input: '1', output: 2 }] }, 'x'), { kind: 'io', tests: [{ input: '1', output: '2' }] });
  assert.deepEqual(parseCodeTests({ prompt: 'def f():\n', test: 'def check(c): pass', entry_point: 'f' }, 'x'), {
    kind: 'function',
    prompt: 'def f():\n',
    test: 'def check(c): pass',
    entryPoint: 'f',
  });
  assert.throws(() => parseCodeTests({}, 'prompt p1: meta'), (e: Error) => e instanceof InvalidCaseError && /prompt p1: meta: no tests/.test(e.message));
  assert.throws(() => parseCodeTests({ tests: [] }, 'x'), /empty/);
  assert.throws(() => parseCodeTests({ tests: [{ input: 1 }] }, 'x'), /tests\[0\]/);
});

test('buildRuns: one run per io test; function tests append check(entry_point) once and carry a fresh nonce', () => {
  const io = buildRuns('python', 'print(input())', { kind: 'io', tests: [{ input: 'a', output: 'a' }, { input: 'b', output: 'b' }] });
  assert.equal(io.length, 2);
  assert.deepEqual(io.map((r) => r.stdin), ['a', 'b']);
  const [fn] = buildRuns('python', '    return 1\n', { kind: 'function', prompt: 'def f():\n', test: 'def check(c):\n    assert c() == 1\n', entryPoint: 'f' });
  assert.match(fn.files[0].content, /^def f\(\):\n {4}return 1\n[\s\S]*check\(f\)\n$/);
  assert.equal(fn.check.kind, 'sentinel');
  const nonce = fn.check.kind === 'sentinel' ? fn.check.nonce : '';
  assert.ok(!fn.files[0].content.includes(nonce), 'the nonce is not in the program text');
  const [called] = buildRuns('javascript', 'const f = () => 1;', { kind: 'function', prompt: '', test: 'const check = (c) => {};\ncheck(f);\n', entryPoint: 'f' });
  assert.equal(called.files[0].content.match(/check\(f\)/g)?.length, 1, 'a test that calls check itself is not called twice');
});

const base: ProcessResult = { exitCode: 0, signal: null, timedOut: false, outputLimited: false, stdout: '', stderr: '', sandboxError: null, wallMs: 1 };
const limits = { timeoutMs: 1000, cpuSeconds: 1, maxOutputBytes: 10 };
const io = { kind: 'stdout' as const, expected: '5' };

test('classifyRun tells each outcome apart', () => {
  const c = (r: Partial<ProcessResult>, check: Parameters<typeof classifyRun>[1] = io) => classifyRun({ ...base, ...r }, check, null, limits).outcome;
  assert.equal(c({ stdout: '5\n' }), 'pass');
  assert.equal(c({ stdout: '6\n' }), 'fail');
  assert.equal(c({ timedOut: true, signal: 'SIGKILL' }), 'timeout');
  assert.equal(c({ signal: 'SIGXCPU', exitCode: null }), 'timeout');
  assert.equal(c({ exitCode: 1, stderr: 'Traceback\nMemoryError\n' }), 'memory');
  assert.equal(c({ outputLimited: true }), 'output_limit');
  assert.equal(c({ exitCode: 1, stderr: 'ZeroDivisionError: division by zero' }), 'runtime_error');
  assert.equal(c({ signal: 'SIGSEGV', exitCode: null }), 'runtime_error');
  assert.equal(c({ sandboxError: 'bwrap: no namespaces' }), 'sandbox_error');
  const sentinel = { kind: 'sentinel' as const, nonce: 'abc123' };
  assert.equal(c({ stdout: 'x\nabc123\n' }, sentinel), 'pass');
  assert.equal(c({ stdout: '' }, sentinel), 'fail', 'exit 0 without the sentinel is not a pass');
  assert.equal(c({ exitCode: 1, stderr: 'AssertionError' }, sentinel), 'fail');
  assert.equal(c({ exitCode: 1, stderr: 'NameError: x' }, sentinel), 'runtime_error');
});

test('outcomes map to the tri-state verdict: infrastructure failures are error, never fail', () => {
  const map = Object.fromEntries(OUTCOMES.map((o) => [o, verdictValueOf(o)]));
  assert.deepEqual(map, {
    pass: 'pass',
    fail: 'fail',
    timeout: 'fail',
    memory: 'fail',
    runtime_error: 'fail',
    output_limit: 'fail',
    no_program: 'fail',
    sandbox_error: 'error',
    invalid_case: 'error',
  });
});

test('bwrap status and 128+n exit codes are decoded', () => {
  assert.deepEqual(parseBwrapStatus('{ "child-pid": 12 }\n{ "exit-code": 139 }\n'), { childPid: 12, exitCode: 139 });
  assert.deepEqual(parseBwrapStatus('{ "child-p'), { childPid: null, exitCode: null });
  assert.equal(signalFromStatus(139), 'SIGSEGV');
  assert.equal(signalFromStatus(152), 'SIGXCPU');
  assert.equal(signalFromStatus(1), null);
});
