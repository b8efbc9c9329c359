/**
 * The readability checks' fast paths (hand-written word and token scanners, cached character classes, n-grams over
 * token hashes, the paragraph scanner, tail-only end patterns) against the plain regex definitions they replace, on
 * texts chosen to hit every branch: mixed scripts, surrogate pairs, lone surrogates, Han/Kana tokens, every kind of
 * Unicode white space, apostrophes and hyphens at word edges, combining marks, loops, ties between equally frequent
 * n-grams; then on seeded random strings drawn from those pieces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repetition, tokensOf } from '../src/judges/readability/repetition.ts';
import { proseOf, scannedWords, scanWords, scriptOf, wordsOf } from '../src/judges/readability/prose.ts';
import { codePointLength, HAN_WEIGHT, KANA_HANGUL_WEIGHT, wallOfText, weightedWall } from '../src/judges/readability/wall-of-text.ts';
import { foreignLatinSentences, otherLatinLanguage } from '../src/judges/readability/latin-languages.ts';
import { withoutNotation } from '../src/judges/readability/notation.ts';
import { isSpaceUnit } from '../src/judges/readability/chars.ts';
import { languageConsistency, guessLanguage } from '../src/judges/readability/language.ts';
import { summaryOf } from '../src/judges/readability/summary.ts';
import { truncation } from '../src/judges/readability/truncation.ts';
import { codeBlocks } from '../src/judges/readability/code-blocks.ts';
import { mulberry32 } from './support/seeded-random.ts';

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
  // Every \s character between words, and look-alikes that are not \s (U+180E, U+200B, U+0085, U+2060).
  'a\tb\nc\vd\fe\rf\r\ng h\u00a0i\u1680j\u2000k\u2003l\u200am\u2028n\u2029o\u202fp\u205fq\u3000r\ufeffs\u180et\u200bu\u0085v\u2060w',
  "'tis rock- -x a’’b a-’b don't it’s co-op x-ray -- '' ’ - a' b- c’ naïve-ish Ωmega-π",
  '\u0301start e\u0301te\u0301 \u0308\u0308 a\u20dd x\u200dy ह\u093fन्दी ก\u0e31น',
  'カタカナー ひらがな・漢字々〆〇 ｶﾞｷﾞ ㇰ 𠀀𠀁x y𪜀 \u{1b001}\u{1f200} 한국어ㄱᄀ',
  '\ud800a a\udc00 \udbff\udfff \ud83d\ude00x 😀a 👍🏽 🇫🇷 𝐀𝐁 𝑥𝑦 \u{10400}\u{10401}',
  '\r\n\r\n  \t\n\n\u3000\n\n para one\n \t \npara two is longer\n\n\n\npara 😀😀😀😀😀😀😀😀😀😀\n\n',
];

/** Pieces the random strings are drawn from: each branch of the scanners, and the characters around them. */
const PIECES = [
  ...'abcXYZ019 .,;:!?\'’‘-‐–—_$\\{}()[]<>/`~#*^|&=+"',
  ' ', '\t', '\n', '\r\n', '\v', '\f', '\u00a0', '\u1680', '\u180e', '\u2003', '\u200b', '\u2028', '\u202f', '\u3000', '\ufeff', '\u0085',
  'é', 'ß', 'ª', 'ǅ', 'ſ', 'K', 'Ａ', 'π', 'θ', 'Ж', 'ع', '\u064b', 'ह', '\u093f', '\u0301', '\u200d', '\ufe0f',
  '漢', '字', '々', '〆', 'ー', '・', 'ｶ', 'ﾞ', 'カ', 'ひ', '한', 'ㄱ', '𠀀', '\u{1b001}',
  '😀', '🏽', '𝑥', '\ud800', '\udc00', '\udbff',
  'the', 'so', 'because', 'wait', "don't", 'it’s', 'co-op', 'naïve', 'Привет', 'мир',
  '```', '~~~', '$', '$$', '\\[', '\\]', '\\(', '\\frac{1}{2}', '`x`', 'http://a.b', '<b>', '</think>', '<answer>', '</answer>', '\n\n', '\n \t\n',
];

function randomTexts(count: number, seed: number): string[] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => {
    let s = '';
    for (let n = Math.floor(r() * 120); n > 0; n--) s += PIECES[Math.floor(r() * PIECES.length)];
    return s;
  });
}

const RANDOM = randomTexts(400, 11);
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu;

/** Words by the definition: the WORD regex, no mixed scripts, single letters only for Han/Kana. */
function wordsByRegex(prose: string) {
  return [...prose.matchAll(WORD)]
    .map((m) => ({ text: m[0], script: scriptByRegex(m[0]), at: m.index }))
    .filter((w) => ![...w.text].some((ch) => /\p{L}/u.test(ch) && scriptByRegex(ch) !== w.script))
    .filter((w) => w.script === 'han' || w.script === 'kana' || [...w.text].length >= 2);
}

function tokensByRegex(text: string): string[] {
  return text.replace(/([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu, ' $1 ').split(/\s+/).filter((t) => t !== '');
}

/** The n-gram definition: every window of n tokens joined by a space, counted in a map; first to the max wins. */
function repetitionByStrings(text: string, n: number) {
  const tokens = tokensByRegex(text);
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

test('words: the scanner, its ASCII fast path and the mixed-script rule agree with the definition', () => {
  for (const text of [...TEXTS, ...RANDOM]) {
    const prose = proseOf(text);
    assert.deepEqual(wordsOf(prose), wordsByRegex(prose), JSON.stringify(prose.slice(0, 80)));
    assert.deepEqual(wordsOf(text), wordsByRegex(text), JSON.stringify(text.slice(0, 80)));
  }
});

test('tokens: the scanner splits exactly where the Han/Kana replace and split(/\\s+/) do', () => {
  for (const text of [...TEXTS, ...RANDOM]) assert.deepEqual(tokensOf(text), tokensByRegex(text), JSON.stringify(text.slice(0, 80)));
});

test('white space is exactly \\s, unit by unit, over the whole BMP', () => {
  for (let c = 0; c < 0x10000; c++) assert.equal(isSpaceUnit(c), /\s/.test(String.fromCharCode(c)), `U+${c.toString(16)}`);
});

test('n-grams on random texts and loops with noise equal the joined-string definition', () => {
  const r = mulberry32(5);
  const loops = RANDOM.slice(0, 60).map((t) => (t.slice(0, 40) + ' ').repeat(2 + Math.floor(r() * 20)) + t);
  for (const text of [...RANDOM, ...loops]) for (const n of [1, 2, 3, 12]) assert.deepEqual(repetition(text, n), repetitionByStrings(text, n), `n=${n} on ${JSON.stringify(text.slice(0, 40))}`);
});

test('n-grams whose hashes collide are told apart by their text, inside and outside a loop', () => {
  // "w4pvu" and "wb3ea" have the same 32-bit FNV-1a hash (the token hash of the scanner): windows that differ only
  // in them get equal window hashes, so only the comparison of their text can keep the counts exact.
  const fnv = (s: string) => [...s].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 0x01000193), 0x811c9dc5 | 0);
  const [c1, c2] = ['w4pvu', 'wb3ea'];
  assert.equal(fnv(c1), fnv(c2));
  for (const text of [`${c1} ${c2}`, `P ${c1} A R P ${c1} S ${c2} A`, `P Q ${c1} P Q ${c2}`, `${c1} x `.repeat(5) + `${c2} x `.repeat(5), `a ${c1} b `.repeat(4) + `a ${c2} b`]) {
    for (const n of [1, 2, 3]) assert.deepEqual(repetition(text, n), repetitionByStrings(text, n), `n=${n} on ${text}`);
  }
});

/** Language consistency by the definition, for script languages: regex words, then the longest non-target run. */
function consistencyByRegex(reasoning: string, target: 'en' | 'zh' | 'ja' | 'ko') {
  const scripts = { en: ['latin'], zh: ['han'], ja: ['han', 'kana'], ko: ['hangul', 'han'] }[target];
  // CJK targets leave out notation written in Latin letters (formulas, function names, units, labels).
  const prose = target === 'en' ? proseOf(reasoning) : withoutNotation(proseOf(reasoning));
  const words = wordsByRegex(prose);
  if (words.length === 0) return { target, share: 1, words: 0, longestForeignRun: 0, foreignRunSample: '', method: 'script' };
  let inTarget = 0;
  let run = 0;
  let best = 0;
  let bestEnd = -1;
  words.forEach((w, i) => {
    if (scripts.includes(w.script)) [inTarget, run] = [inTarget + 1, 0];
    else if (++run > best) [best, bestEnd] = [run, i];
  });
  const sample = best > 0 ? prose.slice(words[bestEnd - best + 1].at, words[bestEnd].at + words[bestEnd].text.length).replace(/\s+/g, ' ').slice(0, 80) : '';
  return { target, share: inTarget / words.length, words: words.length, longestForeignRun: best, foreignRunSample: sample, method: 'script' };
}

test('language consistency and the language guess read the scanner buffers as the definition reads words', () => {
  for (const text of [...TEXTS, ...RANDOM]) {
    for (const target of ['en', 'zh', 'ja', 'ko'] as const) assert.deepEqual(languageConsistency(text, target), consistencyByRegex(text, target), `${target} on ${JSON.stringify(text.slice(0, 40))}`);
    const words = wordsByRegex(proseOf(text));
    const count = (s: string) => words.filter((w) => w.script === s).length;
    const want = words.length === 0 ? 'en' : count('kana') > 0 && count('kana') + count('han') >= words.length / 2 ? 'ja' : count('hangul') >= words.length / 2 ? 'ko' : count('han') >= words.length / 2 ? 'zh' : 'en';
    assert.equal(guessLanguage(text), want, JSON.stringify(text.slice(0, 40)));
  }
});

test('walls, summaries, code blocks and truncation equal their regex definitions', () => {
  const FENCED = /(^|\n)[ \t]*(```|~~~)[^\n]*\n[\s\S]*?(\n[ \t]*\2[ \t]*(?=\n|$)|$)/g;
  const endings = ['', ' and', ' because', 'Because', ' the,', ' x =', ' (', ' 因为', '的', ' $$x', ' \\(x', ' done.</answer>', ' so<|end_of_solution|>', ' 𠀀', ' x\ud800', ' ok.\u3000\n'];
  for (const text of [...TEXTS, ...RANDOM]) {
    const paras = (text.includes('```') || text.includes('~~~') ? text.replace(FENCED, '\n\n') : text).split(/\n[ \t]*\n/).map((p) => p.trim()).filter((p) => p !== '');
    let best = '';
    for (const p of paras) if ([...p].length > [...best].length) best = p;
    assert.deepEqual(wallOfText(text), { longestParagraph: [...best].length, paragraphs: paras.length, sample: best.slice(0, 60) }, JSON.stringify(text.slice(0, 40)));
    const answer = text.replace(/<\/?answer>/g, '').trim();
    const formulas = (text.match(/\\boxed\{|\$[^$]+\$|\\\(|\\\[|\d+/g) ?? []).length;
    assert.deepEqual(summaryOf(text), { present: answer !== '', chars: [...answer].length, words: wordsByRegex(proseOf(answer)).length + formulas });
    const languages: string[] = [];
    let open: string | null = null;
    for (const line of text.split('\n')) {
      const m = /^[ \t]*(```|~~~)\s*([\w+#.-]*)/.exec(line);
      if (m && open === null) [open, languages[languages.length]] = [m[1], m[2] ?? ''];
      else if (m && m[1] === open) open = null;
    }
    assert.deepEqual(codeBlocks(text), { fenced: languages.length, languages });
    for (const end of endings) {
      const t = text.slice(0, 60) + end;
      const last = t.trimEnd().replace(/(<\/answer>|<\|end_of_solution\|>)$/, '').trimEnd();
      const dangling = last !== '' && (/[,;:(\[{+\-−=*/^_\\&|<]$|[，、：；（]$/u.test(last) || /\b(the|a|an|and|or|of|to|in|is|are|for|with|that|which|so|but|then|because|by|from|as|we|if)$/i.test(last) || /(的|和|是|在|把|被|与|或|因为|所以|然后|如果|我们)$/u.test(last) || (last.lastIndexOf('\\[') >= 0 && last.indexOf('\\]', last.lastIndexOf('\\[')) < 0) || (last.lastIndexOf('\\(') >= 0 && last.indexOf('\\)', last.lastIndexOf('\\(')) < 0) || (last.match(/\$\$/g) ?? []).length % 2 === 1);
      assert.equal(truncation(t, 'stop', false, true).sign, dangling ? 'mid-sentence' : null, JSON.stringify(t));
    }
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

// The definitions the scanners replaced (regex split and for…of; a lowered copy and one set per language).
function weightedWallByDefinition(text: string, fenced: RegExp) {
  const src = text.includes('```') || text.includes('~~~') ? text.replace(fenced, '\n\n') : text;
  const han = (c: number) => (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x20000 && c <= 0x3134f);
  const kanaHangul = (c: number) => (c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f);
  const weightOf = (c: number) => (c < 0x2e80 ? 1 : han(c) ? HAN_WEIGHT : kanaHangul(c) ? KANA_HANGUL_WEIGHT : 1);
  let best = { weight: 0, chars: 0, sample: '' };
  for (const raw of src.split(/\n[ \t]*\n/)) {
    const p = raw.trim();
    if (p === '' || p.length <= best.weight / HAN_WEIGHT) continue;
    let [weight, chars, lines] = [0, 0, 1];
    for (const ch of p) {
      const c = ch.codePointAt(0)!;
      if (c === 0x0a) lines++;
      weight += weightOf(c);
      chars++;
    }
    if (lines >= 5 && weight / lines <= 100) continue;
    if (weight > best.weight) best = { weight: Math.round(weight), chars, sample: p.slice(0, 60) };
  }
  return best;
}

const LATIN_MIX = [
  'We compute the sum first. Ensuite nous avons donc la somme pour chaque terme, et il est clair que la réponse est 5. So the answer is 5.',
  'Let us check. Dann ist die Summe nicht gleich, und wir haben also auch noch einen Fehler: daher ist es falsch. The sum is 7.',
  'Primero calculamos. Entonces tenemos que la suma es para cada uno de los términos y esto es lo que buscamos; donde está el error? Fine.',
  'THE OF AND. LE LA LES DES DU UNE EST. Le la les the of and that. De het een en van op voor met.',
  'HET EEN oo\u212a VAN OP zijn. LE LA LES ÊTRE AVONS x. İl lo gli della delle.',
  'a b c d e. Il lo gli della delle degli; os uma que é em por para com como. Não é isso então também!',
  'x'.repeat(30) + ' le la les des du une est ' + 'y'.repeat(20) + '\nnew line le la les des du\n\n',
];

test('the heaviest paragraph and foreign Latin sentences equal their definitions', () => {
  const FENCED = /(^|\n)[ \t]*(```|~~~)[^\n]*\n[\s\S]*?(\n[ \t]*\2[ \t]*(?=\n|$)|$)/g;
  const tables = ['| a | b |\n'.repeat(8), '1. step\n'.repeat(6) + '\n\n' + '字'.repeat(900), 'ｶ'.repeat(700) + '\n\n' + 'か'.repeat(1300), '𠀀'.repeat(950)];
  for (const text of [...TEXTS, ...RANDOM, ...LATIN_MIX, ...tables]) {
    assert.deepEqual(weightedWall(text), weightedWallByDefinition(text, FENCED), JSON.stringify(text.slice(0, 40)));
    const prose = proseOf(text);
    const count = scanWords(prose);
    const { start, end } = scannedWords();
    const bounds = [...prose.matchAll(/[.!?;:\n]+/g)].map((m) => m.index + m[0].length);
    const want: { start: number; end: number; lang: string }[] = [];
    let w = 0;
    for (const stop of [...bounds, prose.length + 1]) {
      const words: string[] = [];
      const first = w;
      while (w < count && start[w] < stop) words.push(prose.slice(start[w], end[w++]));
      const lang = latinByDefinition(words);
      assert.equal(otherLatinLanguage(words), lang, JSON.stringify(words));
      if (lang && w > first) want.push({ start: start[first], end: end[w - 1], lang });
    }
    assert.deepEqual(foreignLatinSentences(prose, start.slice(0, count), end.slice(0, count), count), want, JSON.stringify(text.slice(0, 40)));
  }
  assert.equal(foreignLatinSentences(proseOf(LATIN_MIX[0]), ...latinArgs(LATIN_MIX[0])).map((f) => f.lang).join(), 'fr');
  assert.equal(foreignLatinSentences(proseOf(LATIN_MIX[1]), ...latinArgs(LATIN_MIX[1])).map((f) => f.lang).join(), 'de');
});

function latinArgs(text: string): [Int32Array, Int32Array, number] {
  const count = scanWords(proseOf(text));
  const { start, end } = scannedWords();
  return [start.slice(0, count), end.slice(0, count), count];
}

const FUNCTION_WORDS: Record<string, string> = {
  en: 'the of and to that this is are was we it be for with by then which from have has can not if but or at an will let us so since thus therefore there',
  fr: 'le la les des du une est sont dans pour avec nous vous donc alors que qui cette ces mais aussi leur au aux ne pas être avons fait comme où il elle ils sur puis car chaque',
  de: 'der das und ist nicht ein eine einen dem des mit für auf sich ich auch noch wie aber oder dann wenn nur sind werden zu von wir sie diese dieser daher',
  es: 'el los las del una que es por para como pero más esto esta este son hay entonces luego tenemos también sus se lo cada donde',
  it: 'il lo gli della delle degli una che è per questo questa sono quindi allora anche non si dei nel nella',
  pt: 'os uma que é em por para com como mas mais isso esta este são então também não do da dos das cada onde',
  nl: 'de het een en van op voor met niet dat zijn maar ook als dan wat wij dus deze',
};

function latinByDefinition(words: string[]): string | null {
  if (words.length < 5) return null;
  const lower = words.map((w) => w.toLowerCase());
  const countOf = (lang: string) => lower.filter((w) => FUNCTION_WORDS[lang].split(' ').includes(w)).length;
  let [best, bestCount] = [null as string | null, 0];
  for (const lang of ['fr', 'de', 'es', 'it', 'pt', 'nl']) if (countOf(lang) > bestCount) [best, bestCount] = [lang, countOf(lang)];
  return best !== null && bestCount >= 3 && countOf('en') * 3 <= bestCount ? best : null;
}
