import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../schemas/verdict.ts';
import { finalAnswerOf } from '../src/select/rows.ts';

test('distill final_answer: what the math judge read, else the <answer> content or the last box, else null', () => {
  const math = verdict('math', 'pass', '19 = 19', { detail: { extractedReference: '19', extractedResponse: '19' } });
  assert.equal(finalAnswerOf([math], 'So the total is <answer>19</answer>'), '19');
  assert.equal(finalAnswerOf([], 'So the total is <answer>19</answer>'), '19');
  assert.equal(finalAnswerOf([], 'Adding up, \\boxed{29} apples.'), '29');
  assert.equal(finalAnswerOf([], '<answer>The total is \\boxed{\\frac{1}{2}}.</answer>'), '\\frac{1}{2}');
  assert.equal(finalAnswerOf([], 'It depends on the reading of the question.'), null);
  // A math verdict that read nothing (no final answer) does not hide the tag.
  const none = verdict('math', 'fail', 'no final answer', { category: 'no_answer', detail: { extractedReference: '3', extractedResponse: null } });
  assert.equal(finalAnswerOf([none], '<answer>7</answer>'), '7');
});
