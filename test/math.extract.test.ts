import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractAnswer, choiceOfResponse } from '../src/judges/math/extract.ts';
import { verifyMath } from '../src/judges/math/verify.ts';

test('last boxed answer, nested braces, \\fbox', () => {
  assert.equal(extractAnswer('so \\boxed{\\frac{1}{2}} and finally \\boxed{\\frac{\\sqrt{3}}{2}}')?.text, '\\frac{\\sqrt{3}}{2}');
  assert.equal(extractAnswer('\\fbox{42}')?.text, '42');
  assert.equal(extractAnswer('\\boxed{(1, 2)} \\quad \\text{and} \\quad \\boxed{(3, 4)}')?.text, '(1, 2), (3, 4)');
});

test('<answer> blocks, answer phrases, GSM8K and Chinese markers', () => {
  assert.equal(extractAnswer('reasoning <answer>\n101x + 30')?.text, '101x + 30');
  assert.equal(extractAnswer('<answer>\\boxed{7}</answer>')?.text, '7');
  assert.equal(extractAnswer('Final Answer: The final answer is $10,455$. I hope it is correct.')?.text, '10,455');
  assert.equal(extractAnswer('Natalia sold 48 clips.\n#### 72')?.text, '72');
  assert.equal(verifyMath('72', 'so she sold 72 in all.\nA: 72').verdict, 'pass');
  assert.equal(verifyMath('2/5', '所以，每份应该是 (\\frac{2}{5}) 吨。 答案：每份应该是 (\\frac{2}{5}) 吨。').verdict, 'pass');
  assert.equal(verifyMath('13', '因此，现在篱笆上总共有3只鸟和10只鹳鸟，所以一共有3 + 10 = 13只鸟和鹳鸟。').verdict, 'pass');
  assert.equal(verifyMath('36', '最终答案是 36').verdict, 'pass');
});

test('a later answer statement beats an intermediate box', () => {
  const v = verifyMath('10455', 'first $0.04 \\cdot 10,000 = \\boxed{200}$ then \\boxed{255}. Final Answer: The final answer is $10,455$.');
  assert.equal(v.verdict, 'pass', v.reason);
});

test('multiple-choice letters in their usual forms', () => {
  assert.equal(choiceOfResponse('The answer is (B).'), 'B');
  assert.equal(choiceOfResponse('\\boxed{\\text{(C)}}'), 'C');
  assert.equal(choiceOfResponse('I pick option D because it fits'), 'D');
  assert.equal(choiceOfResponse('B。不是 A'), 'B');
  assert.equal(verifyMath('(D) Alina', 'D').verdict, 'pass');
  assert.equal(verifyMath('(A) Cecile', 'C').verdict, 'fail');
  assert.equal(verifyMath('E', '\\mathrm{E}*2').verdict, 'fail');
});

test('hedges fail: several different boxed answers, "1 or 2"', () => {
  assert.equal(verifyMath('1', 'It is \\boxed{1}. Hmm, maybe \\boxed{2}.').verdict, 'fail');
  assert.equal(verifyMath('1', '\\boxed{1} or \\boxed{2}').verdict, 'fail');
  assert.equal(verifyMath('1', 'The answer is 1 or 2').verdict, 'fail');
  assert.equal(verifyMath('\\{1, 2\\}', 'x = 1 or x = 2').verdict, 'pass');
  assert.equal(verifyMath('3', 'The roots are \\boxed{3} and I double-check: \\boxed{3}').verdict, 'pass');
});

test('no final answer fails; an unreadable reference is an error', () => {
  assert.equal(verifyMath('3', '').verdict, 'fail');
  assert.equal(verifyMath('', '3').verdict, 'error');
  assert.equal(verifyMath('3', 'Answer $ \n 9 \n $').verdict, 'fail');
});
