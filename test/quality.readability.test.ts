import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReadability, readabilityJudge, loadLanguageIdentifier } from '../src/judges/readability/index.ts';
import { languageConsistency } from '../src/judges/readability/language.ts';
import { Prompt } from '../schemas/prompt.ts';
import type { Sample } from '../schemas/sample.ts';

// Hand-written R1-style responses (not derived from the judge's rules).
const EN_CLEAN = `<think>
The train covers 180 km in 2 hours, so its speed is 180 / 2 = 90 km per hour.

The question asks how far it goes in 5 hours at the same speed. Distance is speed times time, which gives 90 × 5 = 450 km.

Let me double-check: 450 km over 5 hours is 90 km/h, the same speed as before. Good.
</think>

The train travels at 90 km/h, so in 5 hours it covers **450 km**.

<answer>450</answer>`;

const ZH_CLEAN = `<think>
题目说一个长方形的长是 12 厘米，宽是长的一半，也就是 6 厘米。

面积等于长乘以宽，所以面积是 $12 \\times 6 = 72$ 平方厘米。这里用到的是 area formula 的基本形式。

再检查一遍：12 的一半确实是 6，12 乘 6 等于 72。没有问题。
</think>

长方形的宽是 6 厘米，面积为 72 平方厘米。

<answer>72</answer>`;

const ZH_MIXED = `<think>
题目说一个长方形的长是 12 厘米，宽是长的一半，也就是 6 厘米。

Now I need to compute the area, which is the length multiplied by the width, so that gives seventy-two square centimeters in total.

所以面积是 72 平方厘米。
</think>

面积为 72 平方厘米。`;

const EN_MIXED = `<think>
We want the sum of the first 10 positive integers. 我们可以用高斯的方法，把第一个数和最后一个数配对，每一对的和都是十一，一共有五对。 So the sum is 11 × 5 = 55.
</think>

The sum is 55.`;

const LOOP = `<think>
We need x such that 3x + 2 = 11, so 3x = 9 and x = 3.

${'Wait, let me check that again. If x = 3 then 3x + 2 = 9 + 2 = 11, which matches the equation we were given.\n\n'.repeat(20)}</think>

x = 3`;

// One paragraph of ~1,100 characters with no break; judged with maxParagraphChars 800 (the default, 2000, is
// checked on real texts in test/conformance/quality.readability-real.test.ts).
const WALL = `<think>
The committee has a chair, a secretary and three ordinary members, and they must come from a club of nine people in which two of the people refuse to serve together, so I first count all committees without the restriction and then remove the bad ones. Choosing the chair can be done in nine ways and the secretary in eight ways after that, and the three ordinary members are an unordered group drawn from the seven people left, which is thirty-five choices, so the total without the restriction is nine times eight times thirty-five, or two thousand five hundred and twenty. Now for the committees that contain both of the quarrelling people: either one of them is the chair and the other the secretary, or one of them holds an office and the other is an ordinary member, or both are ordinary members, and each of these cases has to be counted separately because the number of ways to fill the remaining seats differs between them, which is the part where it is easy to slip and count a committee twice.
</think>

There are 1,890 valid committees.`;

const CODE_IN_REASONING = `<think>
To find the sum of the squares from 1 to 10 I could just compute it.

\`\`\`python
print(sum(i * i for i in range(1, 11)))
\`\`\`

That prints 385.
</think>

The sum of squares is 385.`;

const TRUNCATED_OPEN = `<think>
We list the divisors of 36: 1, 2, 3, 4, 6, 9, 12, 18 and 36. Their sum is 1 + 2 + 3 + 4 + 6 +`;

const TRUNCATED_MID = `<think>
The angles of a triangle add up to 180 degrees, and two of them are 50 and 60.
</think>

So the third angle is 180 minus the sum of the`;

const NO_SUMMARY = `<think>
Twelve eggs make a dozen, so three dozen are 36 eggs.
</think>
`;

const defects = (response: string, extra: Record<string, unknown> = {}) => checkReadability({ response, domain: 'math', ...extra }).defects.map((d) => d.kind);

test('clean English and Chinese responses pass', () => {
  assert.deepEqual(defects(EN_CLEAN, { language: 'en' }), []);
  assert.deepEqual(defects(ZH_CLEAN, { language: 'zh' }), []);
  // the target language guessed from the prompt
  assert.deepEqual(defects(ZH_CLEAN, { prompt: '一个长方形的长是12厘米，宽是长的一半，面积是多少？' }), []);
  const r = checkReadability({ response: ZH_CLEAN, language: 'zh-CN' });
  assert.ok(r.languageConsistency > 0.9 && r.languageConsistency < 1, `a technical term costs a little: ${r.languageConsistency}`);
});

test('each defect is found, with its own kind', () => {
  assert.deepEqual(defects(ZH_MIXED, { language: 'zh' }), ['language-mixing']);
  assert.deepEqual(defects(EN_MIXED, { language: 'en' }), ['language-mixing']);
  assert.deepEqual(defects(LOOP, { language: 'en' }), ['repetition-loop']);
  assert.deepEqual(checkReadability({ response: WALL, language: 'en', domain: 'math' }, { maxParagraphChars: 800 }).defects.map((d) => d.kind), ['wall-of-text']);
  assert.deepEqual(defects(WALL, { language: 'en' }), []);
  assert.deepEqual(defects(CODE_IN_REASONING, { language: 'en' }), ['code-in-reasoning']);
  assert.deepEqual(defects(CODE_IN_REASONING, { language: 'en', domain: 'code' }), []);
  assert.deepEqual(defects(TRUNCATED_OPEN, { language: 'en' }), ['truncated']);
  assert.deepEqual(defects(TRUNCATED_MID, { language: 'en' }), ['truncated']);
  assert.deepEqual(defects(EN_CLEAN, { language: 'en', finishReason: 'length' }), ['truncated']);
  assert.deepEqual(defects(NO_SUMMARY, { language: 'en' }), ['no-summary']);
});

test('reasons say what was found', () => {
  const r = checkReadability({ response: ZH_MIXED, language: 'zh' });
  assert.match(r.defects[0].reason, /consecutive words not in zh|of the reasoning's words are in zh/);
  assert.match(checkReadability({ response: LOOP, language: 'en' }).defects[0].reason, /occurs \d+ times/);
});

test('thresholds are configurable', () => {
  assert.deepEqual(checkReadability({ response: LOOP, language: 'en' }, { maxNgramRepeats: 1000, maxDuplicateShare: 1.1 }).defects, []);
  assert.deepEqual(checkReadability({ response: ZH_MIXED, language: 'zh' }, { minLanguageShare: 0, maxForeignRun: 1000 }).defects, []);
});

test('non-script languages use the identifier per sentence', async () => {
  const identify = await loadLanguageIdentifier();
  const fr = "Nous devons trouver le nombre de façons de placer les livres sur l'étagère. Il y a cinq livres différents, donc le nombre de permutations est cinq factorielle. Cela donne cent vingt façons au total.";
  const frMixed = fr + ' Wait, I think I made a mistake here, let me carefully recount the number of books on the shelf before going on. Donc la réponse est cent vingt.';
  const clean = languageConsistency(fr, 'fr', identify);
  assert.equal(clean.share, 1);
  const mixed = languageConsistency(frMixed, 'fr', identify);
  assert.ok(mixed.longestForeignRun >= 10, JSON.stringify(mixed));
  assert.throws(() => languageConsistency(fr, 'fr'), /needs a language identifier/);
});

test('readabilityJudge reads the prompt language and domain; backend errors are error verdicts', async () => {
  const sample = (text: string, finishReason: Sample['finishReason'] = 'stop'): Sample => ({ key: 'k', promptId: 'p', index: 0, configHash: 'h', prefill: '', text, finishReason, promptTokens: 1, completionTokens: 1, model: 'm', error: finishReason === 'error' ? 'down' : null });
  const p = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: '长方形的面积是多少？' }], source: 't', domain: 'math', meta: { language: 'zh' } });
  const [a, b, c] = await readabilityJudge().judge(p, [sample(ZH_CLEAN), sample(ZH_MIXED), sample('', 'error')], { previous: [] });
  assert.equal(a?.verdict, 'pass');
  assert.equal(b?.verdict, 'fail');
  assert.deepEqual((b?.detail as { defects: string[] }).defects, ['language-mixing']);
  assert.equal(typeof b?.score, 'number');
  assert.equal(c?.verdict, 'error');
});
