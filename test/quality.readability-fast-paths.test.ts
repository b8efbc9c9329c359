/**
 * The readability checks' fast paths (ASCII words, cached scripts, n-grams over token ids, code-point lengths)
 * against the plain definitions they replace, on texts chosen to hit every branch: mixed scripts, surrogate pairs,
 * lone surrogates, Han/Kana tokens, loops, ties between equally frequent n-grams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repetition, tokensOf } from '../src/judges/readability/repetition.ts';
import { proseOf, scriptOf, wordsOf } from '../src/judges/readability/prose.ts';
import { codePointLength, wallOfText } from '../src/judges/readability/wall-of-text.ts';

const TEXTS = [
  '',
  'one',
  'naïve café résumé ’tis it’s rock-n-roll x y πr 2πr Ωmega ǅungla ª º µ ß',
  '我们来计算 the sum 然后 check カタカナ ひらがな 한국어 텍스트 漢字',
  'Привет мир это тест; مرحبا بالعالم; γειά σου κόσμε',
  'emoji 😀😀 and a lone \uD800 high and \uDC00 low surrogate, 𠀀𠀁 (CJK ext B)',
  'the same twelve words again and again in a loop now ok '.repeat(30),
  'a b c d e f g h i j k l m n o p '.repeat(3) + 'z y x w v u t s r q p o n m '.repeat(3),
  'Let $x = \\frac{1}{2}$ and \\[ y^2 \\] with `code` at https://example.com/a <b>bold</b>\n```python\nprint(1)\n```\n~~~\nx\n~~~ done',
  '字'.repeat(40) + ' word '.repeat(20),
];

/** The n-gram definition: every window of n tokens joined by a space, counted in a map; first to the max wins. */
function repetitionByStrings(text: string, n: number) {
  const tokens = text.replace(/([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu, ' $1 ').split(/\s+/).filter((t) => t !== '');
  const total = tokens.length - n + 1;
  if (total <= 0) return { n, maxNgramCount: tokens.length ? 1 : 0, duplicateShare: 0, sample: '' };
  const counts = new Map<string, number>();
  let dup = 0;
  let best = 0;
  let bestKey = '';
  for (let i = 0; i < total; i++) {
    const key = tokens.slice(i, i + n).join(' ');
    const c = (counts.get(key) ?? 0) + 1;
    counts.set(key, c);
    if (c > 1) dup++;
    if (c > best) [best, bestKey] = [c, key];
  }
  return { n, maxNgramCount: best, duplicateShare: dup / total, sample: bestKey.slice(0, 80) };
}

function scriptByRegex(word: string): string {
  const ch = String.fromCodePoint(word.codePointAt(0)!);
  for (const [script, re] of [['han', /\p{Script=Han}/u], ['kana', /[\p{Script=Hiragana}\p{Script=Katakana}]/u], ['hangul', /\p{Script=Hangul}/u], ['latin', /\p{Script=Latin}/u], ['cyrillic', /\p{Script=Cyrillic}/u], ['arabic', /\p{Script=Arabic}/u]] as const) if (re.test(ch)) return script;
  return 'other';
}

test('n-gram counts over token ids equal the joined-string definition, for every n', () => {
  for (const text of TEXTS) for (const n of [1, 2, 3, 12]) assert.deepEqual(repetition(text, n), repetitionByStrings(text, n), `n=${n} on ${JSON.stringify(text.slice(0, 40))}`);
  assert.equal(repetition(TEXTS[6], 12).maxNgramCount, 30, 'a loop is still found');
});

test('tokens split Han/Kana characters apart whether or not the text has any', () => {
  assert.deepEqual(tokensOf('ab 漢字 cd'), ['ab', '漢', '字', 'cd']);
  assert.deepEqual(tokensOf('  plain\ttext\u00a0here  '), ['plain', 'text', 'here']);
});

test('cached scripts equal the property regexes, ASCII and not', () => {
  for (const ch of ['a', 'Z', '1', '_', ' ', 'é', 'ª', 'µ', 'ß', 'π', 'Ж', 'ع', '漢', 'カ', 'ひ', '한', 'Ǆ', '😀', 'ℌ', 'Ａ', '𠀀']) {
    assert.equal(scriptOf(ch), scriptByRegex(ch), ch);
    assert.equal(scriptOf(ch), scriptByRegex(ch), `${ch} (cached)`);
  }
});

test('words: ASCII fast path and the mixed-script rule agree with the definition', () => {
  const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu;
  for (const text of TEXTS) {
    const prose = proseOf(text);
    const want = [...prose.matchAll(WORD)]
      .map((m) => ({ text: m[0], script: scriptByRegex(m[0]), at: m.index }))
      .filter((w) => ![...w.text].some((ch) => /\p{L}/u.test(ch) && scriptByRegex(ch) !== w.script))
      .filter((w) => w.script === 'han' || w.script === 'kana' || [...w.text].length >= 2);
    assert.deepEqual(wordsOf(prose), want, JSON.stringify(text.slice(0, 40)));
  }
});

test('prose: patterns whose marker is absent are skipped, the rest still blank code, formulas, URLs and tags', () => {
  assert.equal(proseOf('plain words only'), 'plain words only');
  const p = proseOf(TEXTS[8]);
  for (const gone of ['frac', 'y^2', 'code', 'example.com', '<b>', 'print(1)']) assert.ok(!p.includes(gone), `${gone} removed: ${p}`);
});

test('code-point length counts like [...s].length, lone surrogates included; the longest paragraph is the first longest', () => {
  for (const s of [...TEXTS, '\uD800', '\uDC00\uD800', 'a\uD83D', '😀\uD83D']) assert.equal(codePointLength(s), [...s].length, JSON.stringify(s));
  const w = wallOfText('😀😀😀\n\nabcd\n\nwxyz');
  assert.equal(w.longestParagraph, 4);
  assert.equal(w.sample, 'abcd');
});

test('the judge gives the same verdicts in worker threads as in the calling thread, error samples included', async () => {
  const { readabilityJudge } = await import('../src/judges/readability/index.ts');
  const prompt = { id: 'p', messages: [{ role: 'user' as const, content: 'How many apples are there in all?' }], domain: 'math', meta: {} };
  const samples = TEXTS.map((text, index) => ({ key: `p#${index}@h`, promptId: 'p', index, configHash: 'h', model: 'm', prefill: '<think>\n', text: `${text}\n</think>\n\nThe answer is 42.`, finishReason: index === 3 ? 'error' : index === 4 ? 'length' : 'stop', promptTokens: 1, completionTokens: 1, error: index === 3 ? 'boom' : null }));
  const ctx = (n: number) => ({ previous: Array.from({ length: n }, () => []) });
  const inThread = readabilityJudge({ prefilledThink: true }, { workers: 0 });
  const inWorkers = readabilityJudge({ prefilledThink: true }, { workers: 2 });
  try {
    const [a, b] = await Promise.all([inThread.judge(prompt as never, samples as never, ctx(samples.length)), inWorkers.judge(prompt as never, samples as never, ctx(samples.length))]);
    assert.deepEqual(b, a);
    assert.equal(a[3]?.verdict, 'error');
    assert.ok(a.some((v) => v?.verdict === 'pass') && a.some((v) => v?.verdict === 'fail'), 'both outcomes covered');
  } finally {
    await inWorkers.close?.();
  }
  // A closed judge starts a new pool on its next use (the engine closes judges at the end of each run).
  const again = await inWorkers.judge(prompt as never, samples.slice(0, 2) as never, ctx(2));
  await inWorkers.close?.();
  assert.deepEqual(again, (await inThread.judge(prompt as never, samples.slice(0, 2) as never, ctx(2))));
});
