import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { mathJudge, mathAnswersEquivalent, MathWorkerPool, mathPolicy } from '../src/judges/math/index.ts';
import type { Prompt } from '../schemas/prompt.ts';
import type { Sample } from '../schemas/sample.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');

const prompt = (reference: string | null): Prompt => ({
  id: 'p1', messages: [{ role: 'user', content: 'What is 1/2 + 1/4?' }], reference, domain: 'math', source: 'test', meta: {},
});
const sample = (text: string, finishReason: Sample['finishReason'] = 'stop', prefill = '<think>\n'): Sample => ({
  key: 'p1#0@h', promptId: 'p1', index: 0, configHash: 'h', prefill, text, finishReason, promptTokens: 5, completionTokens: 9, model: 'm', error: null,
});

test('mathJudge: only the part after </think> counts; detail holds what was read', async () => {
  const judge = mathJudge({ workers: 1 });
  try {
    const [ok, wrong, truncated, cut, noAnswer] = (await judge.judge(
      prompt('\\frac{3}{4}'),
      [
        sample('1/2 + 1/4 = 3/4? maybe \\boxed{5}</think>\nThe answer is \\boxed{0.75}.'),
        sample('it is 3/4 </think> \\boxed{5}'),
        sample('1/2 + 1/4 = \\boxed{3/4} and then', 'stop'),
        sample('1/2 + 1/4 = ', 'length'),
        sample('done </think>   '),
      ],
      { previous: [[], [], [], [], []] },
    ))!;
    assert.equal(ok!.verdict, 'pass', ok!.reason);
    assert.equal(ok!.judge, 'math');
    assert.deepEqual(ok!.detail, { extractedReference: '\\frac{3}{4}', extractedResponse: '0.75' });
    assert.equal(wrong!.verdict, 'fail');
    assert.equal(truncated!.verdict, 'fail');
    assert.match(truncated!.reason, /never closes/);
    assert.match(cut!.reason, /truncated/);
    assert.equal(noAnswer!.verdict, 'fail');
    assert.deepEqual(judge.describe().name, 'math');
  } finally {
    await judge.close!();
  }
});

test('mathJudge: a missing or unreadable reference is an error, never a pass', async () => {
  const judge = mathJudge({ workers: 1 });
  try {
    const [none] = await judge.judge(prompt(null), [sample('x </think> \\boxed{1}')], { previous: [[]] });
    assert.equal(none!.verdict, 'error');
    const [bad] = await judge.judge(prompt(' '), [sample('x </think> \\boxed{1}')], { previous: [[]] });
    assert.equal(bad!.verdict, 'error');
  } finally {
    await judge.close!();
  }
});

test('worker pool: a comparison past its time limit is an error and the pool keeps working', async () => {
  // 1 ms is far below a worker's start-up time, so the first call is cut off by the timer, not by a signal.
  const tight = new MathWorkerPool(mathPolicy({ timeoutMs: 1 }), 1);
  try {
    const v = await tight.verify('1', '1');
    assert.equal(v.verdict, 'error');
    assert.match(v.reason, /timed out/);
  } finally {
    await tight.close();
  }
  const pool = new MathWorkerPool(mathPolicy(), 2);
  try {
    const results = await Promise.all(Array.from({ length: 20 }, (_, k) => pool.verify(`\\frac{${k}}{2}`, String(k / 2))));
    assert.ok(results.every((r) => r.verdict === 'pass'), JSON.stringify(results.find((r) => r.verdict !== 'pass')));
  } finally {
    await pool.close();
  }
});

test('mathAnswersEquivalent for majority vote', async () => {
  assert.equal(await mathAnswersEquivalent('\\frac{1}{2}', '0.5'), true);
  assert.equal(await mathAnswersEquivalent('\\sqrt{8}', '2\\sqrt{2}'), true);
  assert.equal(await mathAnswersEquivalent('3', '4'), false);
});

test('CLI: distillery judge math reads reference/response or gold/pred and keeps ids', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'math-cli-'));
  const input = path.join(dir, 'cases.jsonl');
  const output = path.join(dir, 'out.jsonl');
  await writeFile(input, [
    JSON.stringify({ id: 'a', reference: '\\frac{1}{2}', response: '<think>ok</think> \\boxed{0.5}' }),
    JSON.stringify({ id: 'b', gold: '\\pm 2', pred: '2' }),
    'not json',
    JSON.stringify({ id: 'd', gold: 5, pred: 5.0 }),
    JSON.stringify({ id: 'e', pred: '5' }),
  ].join('\n') + '\n');
  const { stderr } = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/distillery.mjs'), 'judge', 'math', '--input', input, '--output', output]);
  assert.match(stderr, /5 lines judged/);
  const lines = (await readFile(output, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.id, l.verdict, l.category]), [['a', 'pass', 'ok'], ['b', 'fail', 'wrong_answer'], [undefined, 'error', 'invalid_input'], ['d', 'pass', 'ok'], ['e', 'error', 'no_reference']]);
  assert.deepEqual(lines[0].extracted, { reference: '\\frac{1}{2}', response: '0.5' });
});

test('bounded inputs are verified on the calling thread with the same result as in a worker; others go to the workers', async () => {
  const { boundedMathInput, toVerdict } = await import('../src/judges/math/judge.ts');
  const { verifyMath } = await import('../src/judges/math/verify.ts');
  for (const s of ['The answer is $\\boxed{575}$.', '\\boxed{\\frac{3}{4}}', '\\boxed{2\\sqrt{3}}', '\\left( 1, 2 \\right)', '12,345.5']) assert.equal(boundedMathInput(s), true, s);
  for (const s of ['2^{10}', '5!', '\\binom{100000}{50000}', '0.\\overline{3}', 'x**2', '\\boxed{\\sum_{k=1}^{n} k}', '1'.repeat(401)]) assert.equal(boundedMathInput(s), false, s);
  const pairs: [string, string][] = [['575', 'The answer is $\\boxed{575}$.'], ['575', '\\boxed{576}'], ['\\frac{3}{4}', '\\boxed{0.75}'], ['(1, 2)', '\\left( 1, 2 \\right)'], ['2\\sqrt{3}', '\\boxed{\\sqrt{12}}'], ['x + 1', '\\boxed{1 + x}'], ['12', 'no number here']];
  const pool = new MathWorkerPool(mathPolicy(), 1);
  try {
    for (const [ref, ans] of pairs) {
      assert.ok(boundedMathInput(ref) && boundedMathInput(ans), `${ref} | ${ans}`);
      assert.deepEqual(toVerdict(verifyMath(ref, ans, mathPolicy())), toVerdict(await pool.verify(ref, ans)), `${ref} | ${ans}`);
    }
  } finally {
    await pool.close();
  }
});
