import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prompt } from '../schemas/prompt.ts';
import type { Sample } from '../schemas/sample.ts';
import { VERDICT_CATEGORIES, Verdict, verdict, type VerdictCategory } from '../schemas/verdict.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { formatJudge } from '../src/judges/format.ts';
import { majorityVoteJudge } from '../src/judges/majority.ts';
import { mathJudge } from '../src/judges/math/judge.ts';
import { readabilityJudge } from '../src/judges/readability/index.ts';
import { codeJudge } from '../src/judges/code/code-judge.ts';
import { CATEGORY_OF_OUTCOME, OUTCOMES, verdictValueOf } from '../src/judges/code/outcome.ts';
import { judgeGroup } from '../src/pipeline/judge-group.ts';
import type { Judge } from '../src/judges/judge.ts';

// Hand-written responses; each case names the category a reader would give it.

const sample = (index: number, text: string, finishReason: Sample['finishReason'] = 'stop', error: string | null = null): Sample => ({
  key: `p#${index}@h`, promptId: 'p', index, configHash: 'h', prefill: '', text, finishReason, promptTokens: 1, completionTokens: 1, model: 'm', error,
});
const prompt = (reference: string | null, extra: Record<string, unknown> = {}) =>
  Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'How many apples are left?' }], source: 't', reference, ...extra });

async function categories(judge: Judge, p: Prompt, texts: (string | Sample)[]): Promise<(VerdictCategory | undefined)[]> {
  const samples = texts.map((t, i) => (typeof t === 'string' ? sample(i, t) : t));
  try {
    const vs = await judge.judge(p, samples, { previous: samples.map(() => []) });
    for (const v of vs) if (v) assert.ok(Verdict.safeParse(v).success);
    return vs.map((v) => v?.category);
  } finally {
    await judge.close?.();
  }
}

test('verdict(): a pass is ok; a fail or an error carries the category it is given', () => {
  assert.equal(verdict('x', 'pass', 'fine').category, 'ok');
  assert.equal(verdict('x', 'fail', 'no', { category: 'wrong_answer' }).category, 'wrong_answer');
  // A verdict from a judge that sets none (a user's own judge) still parses, as 'uncategorised'.
  assert.equal(Verdict.parse({ judge: 'mine', verdict: 'fail', reason: 'r' }).category, 'uncategorised');
  assert.equal(new Set(VERDICT_CATEGORIES).size, VERDICT_CATEGORIES.length);
});

test('math: ok, wrong_answer, no_answer, hedged, truncated, backend_error, no_reference, unparseable_reference', async () => {
  const got = await categories(mathJudge({ workers: 1 }), prompt('7'), [
    '<think>10 - 3 = 7</think>There are \\boxed{7} apples left.',
    '<think>10 - 4</think>\\boxed{6}',
    '<think>I counted them all</think>',
    '<think>maybe 6</think>\\boxed{6} ... or rather \\boxed{7}? I am not sure, \\boxed{8}',
    sample(4, '<think>10 - 3 is', 'length'),
    sample(5, '', 'error', 'HTTP 503'),
  ]);
  assert.deepEqual(got, ['ok', 'wrong_answer', 'no_answer', 'hedged', 'truncated', 'backend_error']);
  assert.deepEqual(await categories(mathJudge({ workers: 1 }), prompt(null), ['<think>x</think>\\boxed{7}']), ['no_reference']);
  const longUnreadable = `Consider ${'the orchard with the mysterious trees '.repeat(4)}\\weird{`;
  assert.deepEqual(await categories(mathJudge({ workers: 1 }), prompt(longUnreadable), ['<think>x</think>\\boxed{7}']), ['unparseable_reference']);
});

test('math: a verification past its time limit is an error of category timeout', async () => {
  const judge = mathJudge({ workers: 1, policy: { timeoutMs: 1 } });
  // Not a bounded input (a power), so it goes to the worker, whose start alone takes longer than 1 ms.
  assert.deepEqual(await categories(judge, prompt('2^{10}'), ['<think>x</think>\\boxed{1024}']), ['timeout']);
});

test('format: the first problem in reading order names the category', async () => {
  const got = await categories(formatJudge(), prompt('7'), [
    '<think>r</think>7',
    '<THINK>r</THINK>7',
    'Sure! <think>r</think>7',
    '<think>r and never closed',
    '<think>r</think><answer>7',
    '<think>r</think>   ',
    sample(6, '', 'error', 'timeout'),
  ]);
  assert.deepEqual(got, ['ok', 'format_tag_case', 'format_think', 'format_unclosed_think', 'format_answer_tag', 'format_no_answer', 'backend_error']);
});

test('readability: one category a defect, the cause first when there are several', async () => {
  const para = 'We split the apples into two baskets and count each basket again to be sure of the total.';
  const loop = `<think>${'Let me recount the apples in the first basket once more to be careful. '.repeat(40)}`;
  const got = await categories(readabilityJudge({ language: 'en' }, { workers: 0 }), prompt('7'), [
    `<think>${para}</think>\n\nThere are 7 apples left.`,
    `<think>${para}\n\n然后我们再数一遍篮子里的苹果，确认一共剩下七个苹果，没有错误。\n\n${para}</think>\n\nThere are 7 apples left.`,
    `<think>${Array.from({ length: 80 }, (_, i) => `Basket ${i + 1} holds ${(i * 7) % 13} apples, so the total is now ${i * 5 + 2}.`).join(' ')}</think>\n\nThere are 7 apples left.`,
    `<think>${para}\n\n\`\`\`python\nprint(10 - 3)\n\`\`\`\n</think>\n\nThere are 7 apples left.`,
    `<think>${para}</think>`,
    sample(5, loop, 'length'),
    sample(6, `<think>${para} So we subtract and get`, 'length'),
  ]);
  assert.deepEqual(got, ['ok', 'language_mixing', 'wall_of_text', 'code_in_reasoning', 'no_summary', 'repetition', 'truncated']);
});

test('majority and exact: ok, wrong_answer, no_answer, no_majority, no_reference', async () => {
  const majority = majorityVoteJudge({ minShare: 0.5 });
  assert.deepEqual(await categories(majority, prompt(null), ['<think>a</think>\\boxed{7}', '<think>b</think>\\boxed{7}', '<think>c</think>\\boxed{6}', '<think>d</think>']), ['ok', 'ok', 'wrong_answer', 'no_answer']);
  assert.deepEqual(await categories(majorityVoteJudge({ minShare: 0.9 }), prompt(null), ['<think>a</think>\\boxed{7}', '<think>b</think>\\boxed{6}']), ['no_majority', 'no_majority']);
  assert.deepEqual(await categories(exactAnswerJudge(), prompt('7'), ['<think>a</think>7', '<think>b</think>6', '<think>c</think>']), ['ok', 'wrong_answer', 'no_answer']);
  assert.deepEqual(await categories(exactAnswerJudge(), prompt(null), ['<think>a</think>7']), ['no_reference']);
});

test('code: every outcome has a category that agrees with its verdict; a case without tests is invalid_case', async () => {
  for (const o of OUTCOMES) {
    const c = CATEGORY_OF_OUTCOME[o];
    assert.ok(VERDICT_CATEGORIES.includes(c), o);
    assert.equal(c === 'ok', verdictValueOf(o) === 'pass', o);
  }
  // No tests in meta: decided before any sandbox runs.
  assert.deepEqual(await categories(codeJudge(), prompt(null), ['<think>x</think>```python\nprint(1)\n```']), ['invalid_case']);
});

test('engine: a sample the backend lost is backend_error; a judge that throws gives judge_error', async () => {
  const throwing: Judge = { name: 'boom', describe: () => ({}), judge: async () => { throw new Error('kaput'); } };
  const vs = await judgeGroup([throwing], prompt('7'), [sample(0, '', 'error', 'HTTP 500'), sample(1, '<think>x</think>7')]);
  assert.deepEqual(vs.map((list) => list.map((v) => [v.judge, v.verdict, v.category])), [[['backend', 'error', 'backend_error']], [['boom', 'error', 'judge_error']]]);
});
