import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyMath } from '../src/judges/math/verify.ts';
import { mathJudge } from '../src/judges/math/judge.ts';
import { Prompt } from '../schemas/prompt.ts';

// Answer kinds the judge must hold on without having been tuned to a suite. Cases written here, by kind; none come
// from the peer suites.

const judged = (ref: string, pred: string, question?: string) => {
  const v = verifyMath(ref, pred, undefined, question);
  return `${v.verdict}/${v.category}`;
};
const pass = (ref: string, pred: string, question?: string) => assert.equal(judged(ref, pred, question), 'pass/ok', `${ref} vs ${pred}`);
const is = (want: string, ref: string, pred: string, question?: string) => assert.equal(judged(ref, pred, question), want, `${ref} vs ${pred}`);

test('units: compatible units convert; another dimension or the same number in another unit is a unit mismatch', () => {
  pass('5 cm', '50 mm');
  pass('50 \\text{ mm}', '\\boxed{5\\,\\text{cm}}');
  pass('3 hours', '180 minutes');
  pass('180 \\text{ min}', 'The trip takes 3 h.');
  pass('0.5 kg', '500 g');
  pass('1.2 \\mathrm{km}', '1200 \\mathrm{m}');
  pass('2 \\text{ ft}', '24 inches');
  pass('3 \\text{ cm}^2', '300 \\text{ mm}^2');
  pass('2 square meters', '20000 cm^2');
  pass('1.5 L', '1500 mL');
  pass('72 km/h', '20 m/s');
  // Chinese unit words.
  pass('5 厘米', '50 毫米');
  pass('2 小时', '120 分钟');
  pass('1 公斤', '1000 克');
  pass('3 米', '300 厘米');
  pass('2 平方米', '20000 平方厘米');
  // Wrong: the same number in another unit, another dimension, a wrong conversion.
  is('fail/unit_mismatch', '5 cm', '5 m');
  is('fail/unit_mismatch', '3 hours', '3 minutes');
  is('fail/unit_mismatch', '5 m', '5 s');
  is('fail/unit_mismatch', '2 kg', '2 L');
  is('fail/wrong_answer', '5 cm', '500 mm');
  is('fail/wrong_answer', '3 小时', '200 分钟');
  // A unit on one side only is read as before: the number counts.
  pass('10', '10 cm');
  pass('12 \\text{ apples}', '12');
  // "5m" without a space is 5·m, not five metres.
  pass('5m', '5m');
});

test('angles: degrees against radians convert; a number in radians is not the same number of degrees', () => {
  pass('\\frac{\\pi}{6}', '30^\\circ');
  pass('30^{\\circ}', '\\frac{\\pi}{6}');
  pass('45°', '\\pi/4');
  pass('\\frac{2\\pi}{3}', '120°');
  pass('90 degrees', '\\frac{\\pi}{2} \\text{ rad}');
  pass('60 度', '\\frac{\\pi}{3}');
  is('fail/unit_mismatch', '60^\\circ', '60 rad');
  is('fail/wrong_answer', '\\frac{\\pi}{6}', '60^\\circ');
  pass('30', '30^\\circ'); // both in degrees, one without the sign
});

test('numbers in words and CJK numerals', () => {
  pass('20000', '2万');
  pass('150000000', '1.5亿');
  pass('\\frac{1}{3}', '三分之一');
  pass('200', '两百');
  pass('1234', '一千二百三十四');
  pass('3.5', '三点五');
  pass('30\\%', '百分之三十');
  pass('2000000', '2 million');
  pass('3500000000', '3.5 billion');
  pass('25', 'twenty-five');
  pass('\\frac{2}{3}', 'two thirds');
  pass('20000 元', '2万元');
  is('fail/wrong_answer', '20000', '2千');
  is('fail/wrong_answer', '\\frac{1}{4}', '三分之一');
  is('fail/wrong_answer', '2000000', '2 billion');
});

test('vectors and points: angle brackets, one-column matrices and parentheses are the same tuple', () => {
  pass('(1, 2, 3)', '\\langle 1, 2, 3 \\rangle');
  pass('(1, 2, 3)', '⟨1, 2, 3⟩');
  pass('\\left\\langle 1, -2, \\frac{1}{2} \\right\\rangle', '(1, -2, 0.5)');
  pass('\\begin{pmatrix} 1 \\\\ 2 \\\\ 3 \\end{pmatrix}', '\\langle 1, 2, 3 \\rangle');
  pass('(4, -1)', '\\begin{pmatrix} 4 \\\\ -1 \\end{pmatrix}');
  is('fail/wrong_answer', '(1, 2, 3)', '\\langle 1, 3, 2 \\rangle');
  is('fail/wrong_answer', '\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}', '(1, 2, 3)');
});

test('one set, several forms: set-builder, inequalities joined by "or", x ∈ [a, b]; none of them is a hedge', () => {
  pass('[0, 1]', '\\{y \\mid 0 \\le y \\le 1\\}');
  pass('[0, 1]', '\\{ y : 0 \\leq y \\leq 1 \\}');
  pass('(2, \\infty)', '\\left\\{ x \\mid x > 2 \\right\\}');
  pass('(-\\infty, 2) \\cup (4, \\infty)', 'x < 2 \\text{ or } x > 4');
  pass('(-\\infty, 2) \\cup (4, \\infty)', 'x<2 or x>4');
  pass('x \\le -1 \\text{ or } x \\ge 3', '(-\\infty, -1] \\cup [3, \\infty)');
  pass('[1, 3]', 'x \\in [1, 3]');
  pass('[-2, 5)', 'The solution set is $x \\in [-2, 5)$.');
  is('fail/wrong_answer', '[0, 1]', '\\{y \\mid 0 < y \\le 1\\}');
  is('fail/wrong_answer', '(-\\infty, 2) \\cup (4, \\infty)', 'x < 2 \\text{ or } x > 5');
  is('fail/wrong_answer', '[1, 3]', 'x \\in [1, 4]');
  // Two values joined by "or" against one value is still a hedge.
  is('fail/hedged', '2', 'x = 2 or x = 3');
});

test('named variables: assignments are ordered by the problem\'s variables, else alphabetically', () => {
  const q = 'Find $x$ and $y$ if $x + y = 7$ and $y - x = 3$.';
  pass('(2, 5)', 'y = 5, x = 2', q);
  pass('(2, 5)', 'x = 2, y = 5', q);
  is('fail/wrong_answer', '(2, 5)', 'y = 2, x = 5', q);
  // The problem lists b before a: (b, a).
  pass('(7, 1)', 'a = 1, b = 7', 'Find the numbers $b$ and $a$ with $b - a = 6$ and $ab = 7$.');
  // Without the problem: alphabetical.
  pass('(2, 5)', 'y = 5, x = 2');
  is('fail/wrong_answer', '(2, 5)', 'y = 2, x = 5');
});

test('multiple choice: an answer naming two options is a hedge even when one is right', () => {
  is('fail/hedged', 'B', 'The answer is B, C');
  is('fail/hedged', 'B', '\\boxed{B, C}');
  is('fail/hedged', 'C', 'A or C');
  is('fail/hedged', 'C', 'The answer is both A and C.');
  is('fail/hedged', '(C)', '答案是 A 或 C');
  pass('C', '\\boxed{C}');
  pass('C', 'The answer is (C).');
  pass('C', 'Option C is correct: A and B both fail the second condition.');
  is('fail/wrong_answer', 'C', '\\boxed{D}');
});

test('self-corrections: an explicitly corrected earlier box is judged on the final one; ending undecided stays a hedge', () => {
  pass('15', 'So there are \\boxed{12} apples. Wait, I forgot the 3 apples from Tom. Corrected answer: \\boxed{15}');
  pass('15', '\\boxed{12}\n\nActually, I made a mistake in the second step: 9 + 6 = 15, so the answer is \\boxed{15}.');
  pass('15', '所以答案是 \\boxed{12}。不对，应该是 \\boxed{15}。');
  is('fail/hedged', '15', '\\boxed{12}. Hmm, or \\boxed{15}.');
  is('fail/hedged', '15', '\\boxed{12}. Wait, recomputing gives \\boxed{15}, but maybe it is 12; I am not sure.');
  is('fail/hedged', '15', '\\boxed{12}. Wait, let me recompute: \\boxed{15}?');
  // A correction to a wrong final answer is still judged on the final answer.
  is('fail/wrong_answer', '15', '\\boxed{15}. Wait, I made a mistake: \\boxed{16}');
});

test('undecidable comparisons are errors, not failures', () => {
  is('error/undecidable', '10^{10^{10}}', '10^{10^{10}} + 1');
  is('error/undecidable', '\\frac{1}{0}', '5');
});

test('mathJudge reads the problem\'s variables from the prompt', async () => {
  const judge = mathJudge({ workers: 1 });
  try {
    const prompt = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'Solve for $y$ and $x$: $y = 2x + 1$, $x + y = 7$.' }], source: 't', reference: '(5, 2)' });
    const sample = (index: number, text: string) => ({ key: `p#${index}@h`, promptId: 'p', index, configHash: 'h', prefill: '', text, finishReason: 'stop' as const, promptTokens: 1, completionTokens: 1, model: 'm', error: null });
    const vs = await judge.judge(prompt, [sample(0, '<think>…</think>\\boxed{x = 2, y = 5}'), sample(1, '<think>…</think>\\boxed{x = 5, y = 2}')], { previous: [[], []] });
    assert.deepEqual(vs.map((v) => v?.verdict), ['pass', 'fail']);
  } finally {
    await judge.close?.();
  }
});
