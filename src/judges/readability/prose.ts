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
  let t = text.replace(FENCED_CODE, '\n');
  for (const re of MATH) t = t.replace(re, ' ');
  return t
    .replace(/`[^`\n]*`/g, ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/<\/?[a-z_|]+>/gi, ' ');
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

export function scriptOf(word: string): Script {
  const c = word.codePointAt(0)!;
  const ch = String.fromCodePoint(c);
  if (/\p{Script=Han}/u.test(ch)) return 'han';
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) return 'kana';
  if (/\p{Script=Hangul}/u.test(ch)) return 'hangul';
  if (/\p{Script=Latin}/u.test(ch)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'cyrillic';
  if (/\p{Script=Arabic}/u.test(ch)) return 'arabic';
  return 'other';
}

/**
 * Words of prose. Single letters outside Han/Kana (variables: x, n, π, θ) are not words: they are symbols in a formula
 * written without markup, in any language.
 */
export function wordsOf(prose: string): Word[] {
  const out: Word[] = [];
  for (const m of prose.matchAll(WORD)) {
    const script = scriptOf(m[0]);
    // A token mixing scripts ("πr", "2πr" after digits go) is a formula written without markup, not a word.
    if ([...m[0]].some((ch) => /\p{L}/u.test(ch) && scriptOf(ch) !== script)) continue;
    if (script !== 'han' && script !== 'kana' && [...m[0]].length < 2) continue;
    out.push({ text: m[0], script, at: m.index });
  }
  return out;
}

/** Paragraphs: blocks separated by a blank line, code blocks removed (a long code block is not a wall of text). */
export function paragraphsOf(text: string): string[] {
  return text
    .replace(FENCED_CODE, '\n\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}
