import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkReadability } from '../src/judges/readability/check.ts';

// Kinds of responses the readability judge must hold on; hand-written here (not from any suite).

const kinds = (response: string, language: string) => checkReadability({ response, language, domain: 'math' }).defects.map((d) => d.kind);

const ZH_DERIVATION = `<think>
设函数 f(x) = sin x + cos x，求 f(x) 在区间 [0, π] 上的最大值。

由辅助角公式，sin x + cos x = √2 sin(x + π/4)。当 x + π/4 = π/2，即 x = π/4 时，sin 取到最大值 1，所以 f(x) 的最大值是 √2。

再验证一下：f(π/4) = sin(π/4) + cos(π/4) = √2/2 + √2/2 = √2。另外 f(0) = 1，f(π) = -1，都比 √2 小。

顺便检查数列 a_n = 2n + 1 的前 n 项和 S_n = n^2 + 2n：当 n = 3 时，a_1 + a_2 + a_3 = 3 + 5 + 7 = 15，而 S_3 = 9 + 6 = 15，一致。

在三角形 ABC 中，AB = 3 cm，BC = 4 cm，∠B = 90°，所以 AC = 5 cm，面积 S = 6 cm^2。速度 v = 60 km/h 时，2 h 走 120 km。gcd(12, 18) = 6，log 8 = 3 log 2。
</think>

f(x) 的最大值为 √2，在 x = π/4 时取到。

<answer>\\sqrt{2}</answer>`;

const ZH_WITH_ENGLISH = `<think>
设长方形的长是 12 厘米，宽是长的一半，也就是 6 厘米。

Now I need to compute the area, which is the length multiplied by the width, and that gives us seventy-two square centimeters in total.

所以面积是 72 平方厘米。
</think>

面积是 72 平方厘米。`;

test('notation is not a language: a Chinese derivation full of formulas, names, units and labels is in zh', () => {
  assert.deepEqual(kinds(ZH_DERIVATION, 'zh'), []);
  // English sentences inside the same kind of reasoning still are mixing.
  assert.deepEqual(kinds(ZH_WITH_ENGLISH, 'zh'), ['language-mixing']);
});

// Sentences of real-looking Chinese reasoning, varied so that nothing repeats as a loop.
const ZH_VERB = ['加到', '并入', '算进', '累加到', '记入', '合并到', '补充到'];
const ZH_THING = ['苹果', '梨子', '橘子', '桃子', '李子', '柿子', '枣子', '杏子', '石榴', '樱桃', '芒果'];
const ZH_NEXT = ['然后继续检查下一个盒子', '接着看后面的篮子', '再去数旁边的箱子', '之后核对剩下的袋子', '随后处理下一个筐', '继续往下数'];
const ZH_OPEN = ['第', '接下来第', '再看第', '轮到第', '现在处理第'];
const ZH_SENTENCES = Array.from({ length: 300 }, (_, i) => `${ZH_OPEN[i % 5]}${i + 1}个盒子，里面有${(i * 7) % 23 + 2}个${ZH_THING[i % 11]}，把它们${ZH_VERB[i % 7]}总数，总数变为${i * 9 + 11}，${ZH_NEXT[i % 6]}。`);
const EN_SENTENCES = Array.from({ length: 200 }, (_, i) => `In step ${i + 1} we add the ${(i * 7) % 23 + 2} apples of box ${i + 1} to the total, which becomes ${i * 9 + 11}, and move on.`);
const paragraph = (sentences: string[], chars: number) => {
  let p = '';
  for (const s of sentences) {
    if ([...p].length + [...s].length > chars) break;
    p += s;
  }
  return p;
};
const wrap = (reasoning: string, summary: string) => `<think>\n${reasoning}\n</think>\n\n${summary}`;

test('walls of text per script: a Chinese character carries more than an English letter', () => {
  const zhWall = paragraph(ZH_SENTENCES, 2100);
  const zhOk = paragraph(ZH_SENTENCES, 700);
  const enWall = paragraph(EN_SENTENCES, 2100);
  const enOk = paragraph(EN_SENTENCES, 1500);
  assert.ok([...zhWall].length > 2000 && [...enWall].length > 2000);
  assert.deepEqual(kinds(wrap(zhWall, '总共有 1802 个苹果。'), 'zh'), ['wall-of-text']);
  assert.deepEqual(kinds(wrap(zhOk, '总共有 1802 个苹果。'), 'zh'), []);
  assert.deepEqual(kinds(wrap(enWall, 'There are 1802 apples in total.'), 'en'), ['wall-of-text']);
  assert.deepEqual(kinds(wrap(enOk, 'There are 1802 apples in total.'), 'en'), []);
  // The same long text cut into paragraphs is no wall.
  const split = EN_SENTENCES.slice(0, 40).map((s, i) => (i % 5 === 4 ? `${s}\n\n` : `${s} `)).join('');
  assert.deepEqual(kinds(wrap(split, 'There are 1802 apples in total.'), 'en'), []);
  // A table of short lines (one step a line) is no wall either, however long.
  const table = Array.from({ length: 80 }, (_, k) => `2^${k} mod 1000 = ${Number(2n ** BigInt(k) % 1000n)}`).join('\n');
  assert.deepEqual(kinds(wrap(`The powers of 2 modulo 1000:\n\n${table}\n\nThe cycle has length 100.`, 'The answer is 376.'), 'en'), []);
});

test('the summary: text after </think> that goes on reasoning or starts another problem is not a summary', () => {
  const reasoning = 'Each box holds 6 apples and there are 4 boxes, so 6 times 4 gives 24 apples.';
  assert.deepEqual(kinds(wrap(reasoning, 'There are 24 apples in total: 4 boxes of 6 each.'), 'en'), []);
  const goesOn = wrap(reasoning, 'There are 24 apples. Wait, let me check the boxes again. Hmm, maybe one box holds 5 apples. Let me recompute: 5 plus 18 is 23.');
  assert.deepEqual(kinds(goesOn, 'en'), ['no-summary']);
  const another = wrap(reasoning, 'There are 24 apples in total.\n\nProblem 2: A train travels 60 km in 45 minutes. What is its speed?');
  assert.deepEqual(kinds(another, 'en'), ['no-summary']);
  const zhGoesOn = wrap('每盒 6 个苹果，共 4 盒，所以一共 24 个苹果。', '一共有 24 个苹果。等等，让我再检查一下每个盒子。嗯，也许有一盒只有 5 个。');
  assert.deepEqual(kinds(zhGoesOn, 'zh'), ['no-summary']);
  // One "Let me" in a summary is still a summary.
  assert.deepEqual(kinds(wrap(reasoning, 'Let me state the result: there are 24 apples, 4 boxes of 6.'), 'en'), []);
});

test('mixing between Latin-script languages: French sentences inside English reasoning', () => {
  const en = 'We have 4 boxes of 6 apples each, so the total is 24 apples.';
  const fr = 'Donc nous avons vingt-quatre pommes dans les boîtes, et il faut vérifier que le calcul est correct pour chaque boîte.';
  const de = 'Wir haben also vierundzwanzig Äpfel, und wir müssen noch prüfen, ob die Rechnung für jede Kiste auch stimmt.';
  assert.deepEqual(kinds(wrap(`${en}\n\n${fr}\n\n${en}`, 'There are 24 apples.'), 'en'), ['language-mixing']);
  assert.deepEqual(kinds(wrap(`${en}\n\n${de}\n\n${en}`, 'There are 24 apples.'), 'en'), ['language-mixing']);
  // A borrowed phrase or a name is not a French sentence.
  assert.deepEqual(kinds(wrap(`${en} The result has a certain déjà vu: Fermat et al. found the same count in a tête-à-tête.`, 'There are 24 apples.'), 'en'), []);
  assert.deepEqual(kinds(wrap(`${en} By the law of cosines, the side is the square root of 52, and the angle at the base is 30 degrees.`, 'The side is 2√13.'), 'en'), []);
});
