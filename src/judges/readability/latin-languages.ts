/**
 * Sentences in another Latin-script language inside English reasoning (French, German, Spanish, Italian, Portuguese,
 * Dutch). Script cannot tell them apart and a statistical identifier misnames ~0.5 % of English CoT sentences (one
 * short sentence in a long CoT would then fail it), so a sentence counts as another language only on its function
 * words: at least three of that language's and at most a third as many English ones. Function words shared with
 * English or common in math English (a, in, on, as, is, plus, per, die, sin, con, also, was, we) are left out.
 */

import { unitsOf } from './chars.ts';

const FUNCTION_WORDS: Record<string, readonly string[]> = {
  en: 'the of and to that this is are was we it be for with by then which from have has can not if but or at an will let us so since thus therefore there'.split(' '),
  fr: 'le la les des du une est sont dans pour avec nous vous donc alors que qui cette ces mais aussi leur au aux ne pas être avons fait comme où il elle ils sur puis car chaque'.split(' '),
  de: 'der das und ist nicht ein eine einen dem des mit für auf sich ich auch noch wie aber oder dann wenn nur sind werden zu von wir sie diese dieser daher also'.split(' ').filter((w) => w !== 'also'),
  es: 'el los las del una que es por para como pero más esto esta este son hay entonces luego tenemos también sus se lo cada donde'.split(' '),
  it: 'il lo gli della delle degli una che è per questo questa sono quindi allora anche non si dei nel nella'.split(' '),
  pt: 'os uma que é em por para com como mas mais isso esta este são então também não do da dos das cada onde'.split(' '),
  nl: 'de het een en van op voor met niet dat zijn maar ook als dan wat wij dus deze'.split(' '),
};

// One table for every language: a function word's bit per language (bit i is LANGS[i], English bit 0), so a
// sentence's counts take one walk of a trie a word. The judge runs this on every
// sentence of every English sample: per-language sets over a lowered copy of each sentence cost the 800k scale
// build about a third of its time.
const LANGS = Object.keys(FUNCTION_WORDS);
if (LANGS[0] !== 'en') throw new Error('latin-languages: English must be the first language');
// The function words as a trie over lower-cased UTF-16 units (ASCII letters in a table, the rest in maps), walked on
// the prose itself: no slice and no lower-cased copy of each word. A unit is lower-cased alone; a function word holds
// no unit whose lower case depends on its neighbours (final sigma) or is longer than one unit (İ), so this is
// word.toLowerCase() as far as these words go.
const ascii: number[] = [];
const others: (Map<number, number> | undefined)[] = [];
const bitsAt: number[] = [];
const newNode = () => {
  ascii.push(...new Array<number>(26).fill(0));
  others.push(undefined);
  return bitsAt.push(0) - 1;
};
newNode(); // the root
LANGS.forEach((lang, i) => {
  for (const word of FUNCTION_WORDS[lang]) {
    let node = 0;
    for (const unit of word) {
      const c = unit.charCodeAt(0);
      if (c >= 0x61 && c <= 0x7a) node = ascii[node * 26 + c - 0x61] || (ascii[node * 26 + c - 0x61] = newNode());
      else {
        const map = (others[node] ??= new Map());
        node = map.get(c) ?? (map.set(c, newNode()), map.get(c)!);
      }
    }
    bitsAt[node] |= 1 << i;
  }
});
const ASCII = Int32Array.from(ascii);
const BITS = Uint8Array.from(bitsAt);
const LONGEST = Math.max(...Object.values(FUNCTION_WORDS).flat().map((w) => w.length));
const counts = new Int32Array(LANGS.length);
// Length and first two letters (a–z) of every function word but English's: one lookup rules out nearly every word of
// an English text before the trie. Words starting otherwise (où, für) take the trie.
const FOREIGN_START = new Uint8Array((LONGEST + 1) * 26 * 26);
const startKey = (len: number, c0: number, c1: number) => (len * 26 + c0 - 0x61) * 26 + c1 - 0x61;
const isAz = (c: number) => c >= 0x61 && c <= 0x7a;
for (const lang of LANGS.slice(1)) {
  for (const word of FUNCTION_WORDS[lang]) {
    const [c0, c1] = [word.charCodeAt(0), word.charCodeAt(1)];
    if (word.length >= 2 && isAz(c0) && isAz(c1)) FOREIGN_START[startKey(word.length, c0, c1)] = 1;
  }
}

/** The language bits of the word of UTF-16 units [a, b): bit i when it is a function word of LANGS[i] (case-insensitive). */
function bitsOfWord(units: Uint16Array, a: number, b: number): number {
  if (b - a > LONGEST) return 0; // most words of a text: longer than any function word
  let node = 0;
  for (let i = a; i < b; i++) {
    let c = units[i];
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    else if (c >= 0x80) {
      const lower = String.fromCharCode(c).toLowerCase(); // É → é; and the Kelvin sign → k
      if (lower.length !== 1) return 0;
      c = lower.charCodeAt(0);
    }
    node = c >= 0x61 && c <= 0x7a ? ASCII[node * 26 + c - 0x61] : (others[node]?.get(c) ?? 0);
    if (node === 0) return 0;
  }
  return BITS[node];
}

function countBits(bits: number): void {
  for (let l = 0; l < LANGS.length; l++) counts[l] += (bits >> l) & 1;
}

/** The language the counts name (the first of the most counted), when it has ≥ 3 words and ≥ 3× English's. */
function languageOfCounts(): string | null {
  let best = 0; // English is not a candidate: 0 means none yet
  for (let i = 1; i < LANGS.length; i++) if (counts[i] > (best === 0 ? 0 : counts[best])) best = i;
  return best !== 0 && counts[best] >= 3 && counts[0] * 3 <= counts[best] ? LANGS[best] : null;
}

/** The language of one sentence's words by function words, or null when English or unclear. */
export function otherLatinLanguage(words: readonly string[]): string | null {
  if (words.length < 5) return null;
  counts.fill(0);
  for (const w of words) countBits(bitsOfWord(Uint16Array.from(w, (ch) => ch.charCodeAt(0)), 0, w.length));
  return languageOfCounts();
}

/**
 * Spans [start, end) of the prose whose sentences are in another Latin-script language, with the language of each.
 * `starts`/`ends` are the offsets of the prose's `count` words (the scanner's buffers).
 *
 * A sentence ends after a run of sentence punctuation [.!?;:\n]. Words never hold one (they are letters, marks and
 * inner ' or -), so only the gaps between words are scanned: word w starts a new sentence when the gap before it
 * holds one. Same sentences as scanning every unit, for a fifth of the units.
 */
export function foreignLatinSentences(prose: string, starts: Int32Array, ends: Int32Array, count: number): { start: number; end: number; lang: string }[] {
  const out: { start: number; end: number; lang: string }[] = [];
  const u = unitsOf(prose);
  // First the whole prose's counts: a sentence needs three function words of one language, so prose where no
  // language but English reaches three (nearly every English text) has none.
  counts.fill(0);
  for (let w = 0; w < count; w++) {
    const a = starts[w];
    const len = ends[w] - a;
    if (len > LONGEST) continue;
    if (len >= 2) {
      const c0 = u[a] | 0x20; // a–z exactly when the unit is A–Z or a–z, then its lower case
      const c1 = u[a + 1] | 0x20;
      if (isAz(c0) && isAz(c1) && FOREIGN_START[startKey(len, c0, c1)] === 0) continue;
    }
    const bits = bitsOfWord(u, a, a + len);
    if (bits > 1) countBits(bits); // bit 0 alone: English
  }
  if (!someForeignReaches3()) return out;
  let first = 0;
  counts.fill(0);
  for (let w = 0; w < count; w++) {
    if (w > first) {
      let g = ends[w - 1];
      const s = starts[w];
      while (g < s && !isSentenceEnd(u[g])) g++;
      if (g < s) {
        if (w - first >= 5) {
          const lang = languageOfCounts();
          if (lang) out.push({ start: starts[first], end: ends[w - 1], lang });
        }
        first = w;
        counts.fill(0);
      }
    }
    countBits(bitsOfWord(u, starts[w], ends[w]));
  }
  if (count - first >= 5) {
    const lang = languageOfCounts();
    if (lang) out.push({ start: starts[first], end: ends[count - 1], lang });
  }
  return out;
}

/** Whether some language but English has three words in the counts. */
function someForeignReaches3(): boolean {
  for (let i = 1; i < LANGS.length; i++) if (counts[i] >= 3) return true;
  return false;
}

/** Sentence punctuation [.!?;:\n]: all below 0x40, so one bit of a 64-bit mask split in two words. */
const END_LOW = 1 << 0x0a;
const END_HIGH = (1 << (0x2e - 0x20)) | (1 << (0x21 - 0x20)) | (1 << (0x3f - 0x20)) | (1 << (0x3b - 0x20)) | (1 << (0x3a - 0x20));
function isSentenceEnd(c: number): boolean {
  return c < 0x20 ? ((END_LOW >> c) & 1) === 1 : c < 0x40 && ((END_HIGH >> (c - 0x20)) & 1) === 1;
}
