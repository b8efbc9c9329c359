import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { codeJudge } from '../src/judges/code/index.ts';
import { readabilityJudge } from '../src/judges/readability/index.ts';
import { createCodeRunner } from '../src/judges/code/code-runner.ts';
import { Prompt } from '../schemas/prompt.ts';
import { Sample, sampleKey } from '../schemas/sample.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const execFileAsync = promisify(execFile);
const small = { timeoutMs: 5000, memoryBytes: 256 * 1024 * 1024, concurrency: 4 };

const probeRunner = createCodeRunner(small);
const probe = await probeRunner.run({ program: 'print(1)', tests: { kind: 'io', tests: [{ input: '', output: '1' }] } });
await probeRunner.close();
const unavailable = probe.outcome === 'sandbox_error' ? probe.reason : false;
if (unavailable) console.error(`code judge tests that run programs skipped: ${unavailable}`);

const sample = (promptId: string, index: number, text: string, finishReason: 'stop' | 'error' = 'stop') =>
  Sample.parse({ key: sampleKey(promptId, index, 'h'), promptId, index, configHash: 'h', prefill: '<think>\n', text, finishReason, promptTokens: 1, completionTokens: 1, model: 'm' });

test('a missing sandbox is an error verdict that says what to install, never a fail', async () => {
  const judge = codeJudge({ ...small, bwrap: '/nonexistent/bwrap' });
  const p = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'add' }], source: 's', meta: { tests: [{ input: '1 2', output: '3' }] } });
  const [v] = await judge.judge(p, [sample('p', 0, 'ok</think>```python\nprint(3)\n```')], { previous: [[]] });
  assert.equal(v?.verdict, 'error');
  assert.equal(v?.detail?.outcome, 'sandbox_error');
  assert.match(v!.reason, /bubblewrap/);
  await judge.close?.();
});

test('codeJudge judges each sample of a prompt from meta tests, with outcome and counts in the verdict', { skip: unavailable }, async () => {
  const judge = codeJudge(small);
  const p = Prompt.parse({
    id: 'sum',
    messages: [{ role: 'user', content: 'Read two integers and print their sum.' }],
    source: 'unit',
    domain: 'code',
    meta: { language: 'python', tests: [{ input: '1 2', output: '3' }, { input: '5 5', output: '10' }] },
  });
  const samples = [
    sample('sum', 0, 'easy</think>\n```python\na, b = map(int, input().split())\nprint(a + b)\n```'),
    sample('sum', 1, 'hmm</think>\n```python\na, b = map(int, input().split())\nprint(a * 2)\n```'),
    sample('sum', 2, 'I will just explain it</think>\nAdd the numbers.'),
    sample('sum', 3, '', 'error'),
  ];
  const verdicts = await judge.judge(p, samples, { previous: samples.map(() => []) });
  assert.deepEqual(verdicts.map((v) => v?.verdict), ['pass', 'fail', 'fail', 'error']);
  assert.deepEqual(verdicts[0]?.detail, { outcome: 'pass', passed: 2, total: 2, firstFailure: null, language: 'python' });
  assert.equal(verdicts[0]?.score, 1);
  assert.deepEqual([verdicts[1]?.detail?.passed, verdicts[1]?.detail?.firstFailure], [1, 0]);
  assert.equal(verdicts[2]?.detail?.outcome, 'no_program');
  assert.equal(judge.describe().sandbox, 'bwrap');

  const broken = Prompt.parse({ id: 'none', messages: [{ role: 'user', content: 'x' }], source: 'unit' });
  const [v] = await judge.judge(broken, [samples[0]], { previous: [[]] });
  assert.equal(v?.verdict, 'error');
  assert.match(v!.reason, /prompt none: meta: no tests/);
  await judge.close?.();
});

test('distillery judge code: JSONL in, one verdict line per case in order', { skip: unavailable }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-judge-code-cli-'));
  try {
    const cases = [
      { id: 'io', language: 'python', program: 'print(int(input()) * 2)', tests: [{ input: '4', output: '8' }, { input: '5', output: '11' }] },
      { id: 'he', language: 'python', prompt: 'def inc(x):\n', canonical_solution: '    return x + 1\n', test: 'def check(candidate):\n    assert candidate(1) == 2\n', entry_point: 'inc' },
      { id: 'resp', language: 'javascript', response: '<think>…</think>\n```js\nconsole.log("hi")\n```', tests: [{ input: '', output: 'hi' }] },
      { id: 'bad-lang', language: 'cobol', program: 'x', tests: [{ input: '', output: '' }] },
      { id: 'no-tests', language: 'python', program: 'print(1)' },
    ];
    const input = path.join(dir, 'cases.jsonl');
    const output = path.join(dir, 'out.jsonl');
    writeFileSync(input, cases.map((c) => JSON.stringify(c)).join('\n') + '\nnot json\n');
    await execFileAsync(process.execPath, [path.join(repoRoot, 'bin/distillery.mjs'), 'judge', 'code', '--input', input, '--output', output, '--timeout-ms', '5000'], { cwd: repoRoot });
    const rows = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((r) => [r.id ?? `line ${r.line}`, r.verdict, r.outcome]),
      [
        ['io', 'fail', 'fail'],
        ['he', 'pass', 'pass'],
        ['resp', 'pass', 'pass'],
        ['bad-lang', 'error', 'invalid_case'],
        ['no-tests', 'error', 'invalid_case'],
        ['line 6', 'error', undefined],
      ],
    );
    assert.deepEqual([rows[0].passed, rows[0].total], [1, 2]);
    assert.match(String(rows[0].reason), /test 2: wrong answer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a code prompt's meta.language (python) is its programming language: readability does not take it as the reasoning's", async () => {
  const judge = readabilityJudge({}, { workers: 0 });
  const p = Prompt.parse({ id: 'lang', messages: [{ role: 'user', content: 'Write a function that adds two numbers.' }], source: 'unit', domain: 'code', meta: { language: 'python' } });
  const reasoning = 'We need to add the two numbers and return the result. A single expression is enough here, so the function body is one return statement. Let me check it with a small example: one and two make three.';
  const [v] = await judge.judge(p, [sample('lang', 0, `${reasoning}\n</think>\n\nThe function returns the sum.\n\n\`\`\`python\ndef add(a, b):\n    return a + b\n\`\`\``)], { previous: [[]] });
  assert.equal(v?.verdict, 'pass', v?.reason);
  await judge.close?.();
});
