/**
 * Text helpers shared by the readability checks: what counts as prose (formulas, code and markup removed) and
 * how prose splits into words. Words are what R1's language reward counts: a Han/Kana character is one word
 * (Chinese and Japanese have no spaces), any other run of letters is one word.
 */

import { classOf, HAN_KANA, LETTER, LETTER_OR_MARK, SCRIPTS, scriptAt, scriptIndexOf, unitsOf } from './chars.ts';

/** Fenced code blocks (``` or ~~~), closed or running to the end of the text. */
export const FENCED_CODE = /(^|\n)[ \t]*(```|~~~)[^\n]*\n[\s\S]*?(\n[ \t]*\2[ \t]*(?=\n|$)|$)/g;

const MATH = [
  /\$\$[\s\S]*?\$\$/g, // display $$…$$
  /\\\[[\s\S]*?\\\]/g, // display \[…\]
  /\\\([\s\S]*?\\\)/g, // inline \(…\)
  /\$[^$\n]{1,400}\$/g, // inline $…$
  /\\begin\{(\w+\*?)\}[\s\S]*?\\end\{\1\}/g, // LaTeX environments
  /\\[a-zA-Z]+(\{[^{}\n]*\})*/g, // stray LaTeX commands such as \frac{a}{b}
];

/** The text with code, formulas, inline code, URLs and tags blanked out: what language checks should read. */
export function proseOf(text: string): string {
  // Each pattern needs a marker character to match; skipping a pattern whose marker is absent changes nothing
  // (replacements only insert blanks) and saves a full regex pass over a long CoT.
  let t = text.includes('```') || text.includes('~~~') ? text.replace(FENCED_CODE, '\n') : text;
  const dollar = t.includes('$');
  const backslash = t.includes('\\');
  for (let i = 0; i < MATH.length; i++) if (i === 0 || i === 3 ? dollar : backslash) t = t.replace(MATH[i], ' ');
  if (t.includes('`')) t = t.replace(/`[^`\n]*`/g, ' ');
  if (t.includes('http')) t = t.replace(/https?:\/\/\S+/g, ' ');
  return t.includes('<') ? t.replace(/<\/?[a-z_|]+>/gi, ' ') : t;
}

/** Script of one word, as far as the language checks need it. */
export type Script = 'han' | 'kana' | 'hangul' | 'latin' | 'cyrillic' | 'arabic' | 'other';

export interface Word {
  text: string;
  script: Script;
  /** Offset in the prose string. */
  at: number;
}

export function scriptOf(word: string): Script {
  return scriptAt(word.codePointAt(0)!);
}

/*
 * Words are found by a scanner equal to matching, over the prose,
 *   /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)* (flags gu)
 * A match starts at a code point that is Han/Kana (then it is that one code point) or a letter/mark (then the
 * greedy run, extended across ' ’ - while a letter/mark follows); a failed start moves on one code point. The
 * regex, its match objects and one Word object a word were most of the judge's time on a long CoT, so the
 * results go to reused buffers (start, end, script index) that the callers which only count or classify read.
 */
let wordStart = new Int32Array(1024);
let wordEnd = new Int32Array(1024);
let wordScript = new Uint8Array(1024);

/** Code point at i of units u (length len), whose unit is c; a lone surrogate is its own, as in `u` regexes. */
function codePointAt(u: Uint16Array, len: number, i: number, c: number): number {
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
    const d = u[i + 1];
    if (d >= 0xdc00 && d <= 0xdfff) return (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
  }
  return c;
}

const isAsciiLetter = (c: number): boolean => ((c | 0x20) - 0x61) >>> 0 < 26;

/** UTF-16 length of the code point at i when it is a letter or mark, else 0. */
function letterOrMarkAt(u: Uint16Array, len: number, i: number): number {
  const c = u[i];
  if (c < 0x80) return isAsciiLetter(c) ? 1 : 0;
  const cp = codePointAt(u, len, i, c);
  return classOf(cp) & LETTER_OR_MARK ? (cp > 0xffff ? 2 : 1) : 0;
}

const LATIN = SCRIPTS.indexOf('latin');
const HAN = SCRIPTS.indexOf('han');
const KANA = SCRIPTS.indexOf('kana');

/**
 * Scan the words of prose into the buffers; returns how many. Single letters outside Han/Kana (variables: x, n, π,
 * θ) are not words: they are symbols in a formula written without markup, in any language. Nor is a token mixing
 * scripts ("πr", "2πr" after digits go).
 */
export function scanWords(prose: string): number {
  const len = prose.length;
  const u = unitsOf(prose);
  // Room for every word up front (at most one a unit), so stores need no checks; buffers an unusually long text
  // grew are dropped at the next short one.
  if (wordStart.length < len || (wordStart.length > 1 << 18 && len < 1 << 14)) {
    let size = 1024;
    while (size < len) size <<= 1;
    wordStart = new Int32Array(size);
    wordEnd = new Int32Array(size);
    wordScript = new Uint8Array(size);
  }
  const starts = wordStart;
  const ends = wordEnd;
  const scripts = wordScript;
  let n = 0;
  let i = 0;
  while (i < len) {
    const c = u[i];
    if (c < 0x80) {
      if (!isAsciiLetter(c)) {
        i++;
        continue;
      }
      // Fast path, most words of an English CoT: ASCII letters ended by an ASCII character that is neither a letter
      // nor ' or - (or by the end), so a Latin word, one unit a character, and that character starts no word.
      let j = i + 1;
      let d = 0;
      while (j < len) {
        d = u[j];
        if (!isAsciiLetter(d)) break;
        j++;
      }
      if (j === len || (d < 0x80 && d !== 0x27 && d !== 0x2d)) {
        if (j - i >= 2) {
          starts[n] = i;
          ends[n] = j;
          scripts[n] = LATIN;
          n++;
        }
        i = j + 1;
        continue;
      }
    }
    let bits = LETTER_OR_MARK;
    let width = 1;
    if (c >= 0x80) {
      const cp = codePointAt(u, len, i, c);
      if (cp > 0xffff) width = 2;
      bits = classOf(cp);
      if ((bits & (HAN_KANA | LETTER_OR_MARK)) === 0) {
        i += width;
        continue;
      }
    }
    const start = i;
    let j = i + width;
    let ascii = c < 0x80;
    if ((bits & HAN_KANA) === 0) {
      for (;;) {
        while (j < len) {
          const d = u[j];
          if (d < 0x80) {
            if (!isAsciiLetter(d)) break;
            j++;
          } else {
            const w = letterOrMarkAt(u, len, j);
            if (w === 0) break;
            ascii = false;
            j += w;
          }
        }
        if (j + 1 >= len) break;
        const sep = u[j];
        if ((sep !== 0x27 && sep !== 0x2d && sep !== 0x2019) || letterOrMarkAt(u, len, j + 1) === 0) break;
        if (sep === 0x2019) ascii = false;
        j++;
      }
    }
    i = j;
    let script = LATIN;
    if (ascii) {
      // ASCII letters, apostrophes and hyphens: Latin, one unit a character.
      if (j - start < 2) continue;
    } else {
      script = scriptIndexOf(classOf(codePointAt(u, len, start, c)));
      let mixed = false;
      let chars = 0;
      for (let k = start; k < j; ) {
        const cp = codePointAt(u, len, k, u[k]);
        k += cp > 0xffff ? 2 : 1;
        chars++;
        const b = classOf(cp);
        if (b & LETTER && scriptIndexOf(b) !== script) {
          mixed = true;
          break;
        }
      }
      if (mixed || (script !== HAN && script !== KANA && chars < 2)) continue;
    }
    starts[n] = start;
    ends[n] = j;
    scripts[n] = script;
    n++;
  }
  return n;
}

/** The buffers of the last scanWords call (valid until the next call): start, end and index in SCRIPTS. */
export function scannedWords(): { start: Int32Array; end: Int32Array; script: Uint8Array } {
  return { start: wordStart, end: wordEnd, script: wordScript };
}

/** Words of prose, with their text, script and offset. */
export function wordsOf(prose: string): Word[] {
  const n = scanWords(prose);
  const out = new Array<Word>(n);
  for (let k = 0; k < n; k++) out[k] = { text: prose.slice(wordStart[k], wordEnd[k]), script: SCRIPTS[wordScript[k]], at: wordStart[k] };
  return out;
}

/** Paragraphs: blocks separated by a blank line, code blocks removed (a long code block is not a wall of text). */
export function paragraphsOf(text: string): string[] {
  return (text.includes('```') || text.includes('~~~') ? text.replace(FENCED_CODE, '\n\n') : text)
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
