/**
 * Text helpers shared by the readability checks: what counts as prose (formulas, code and markup removed) and
 * how prose splits into words. Words are what R1's language reward counts: a Han/Kana character is one word
 * (Chinese and Japanese have no spaces), any other run of letters is one word.
 */

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

const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu;

export interface Word {
  text: string;
  script: Script;
  /** Offset in the prose string. */
  at: number;
}

function scriptOfCodePoint(c: number): Script {
  const ch = String.fromCodePoint(c);
  if (/\p{Script=Han}/u.test(ch)) return 'han';
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) return 'kana';
  if (/\p{Script=Hangul}/u.test(ch)) return 'hangul';
  if (/\p{Script=Latin}/u.test(ch)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'cyrillic';
  if (/\p{Script=Arabic}/u.test(ch)) return 'arabic';
  return 'other';
}

// Scripts of the non-ASCII code points seen so far: the property regexes above ran once per sample word before.
const scriptCache = new Map<number, Script>();

function scriptAt(c: number): Script {
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? 'latin' : 'other';
  let s = scriptCache.get(c);
  if (s === undefined) scriptCache.set(c, (s = scriptOfCodePoint(c)));
  return s;
}

const letterCache = new Map<number, boolean>();

function isLetter(c: number): boolean {
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  let l = letterCache.get(c);
  if (l === undefined) letterCache.set(c, (l = /\p{L}/u.test(String.fromCodePoint(c))));
  return l;
}

export function scriptOf(word: string): Script {
  return scriptAt(word.codePointAt(0)!);
}

/** Is every UTF-16 unit ASCII? (A word matched by WORD is then Latin letters, apostrophes and hyphens.) */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * Words of prose. Single letters outside Han/Kana (variables: x, n, π, θ) are not words: they are symbols in a formula
 * written without markup, in any language.
 */
export function wordsOf(prose: string): Word[] {
  const out: Word[] = [];
  for (const m of prose.matchAll(WORD)) {
    const w = m[0];
    // Fast path (most words of an English CoT): ASCII letters only, so Latin and one UTF-16 unit a character.
    if (isAscii(w)) {
      if (w.length >= 2) out.push({ text: w, script: 'latin', at: m.index });
      continue;
    }
    const script = scriptOf(w);
    // A token mixing scripts ("πr", "2πr" after digits go) is a formula written without markup, not a word.
    let mixed = false;
    let chars = 0;
    for (const ch of w) {
      chars++;
      const c = ch.codePointAt(0)!;
      if (isLetter(c) && scriptAt(c) !== script) {
        mixed = true;
        break;
      }
    }
    if (mixed) continue;
    if (script !== 'han' && script !== 'kana' && chars < 2) continue;
    out.push({ text: w, script, at: m.index });
  }
  return out;
}

/** Paragraphs: blocks separated by a blank line, code blocks removed (a long code block is not a wall of text). */
export function paragraphsOf(text: string): string[] {
  return (text.includes('```') || text.includes('~~~') ? text.replace(FENCED_CODE, '\n\n') : text)
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
