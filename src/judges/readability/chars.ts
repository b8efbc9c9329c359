/**
 * Per-code-point character classes for the readability scanners, each decided once by the very regex it stands
 * for and then cached (a byte per BMP code point, a Map for the rest): the scanners get the unicode-property
 * answers without running a `u` regex over every character of a long CoT.
 */
import type { Script } from './prose.ts';

/** Set once the entry is computed (0 = not yet). */
const KNOWN = 1;
/** `[\p{L}\p{M}]`: may be part of a word. */
export const LETTER_OR_MARK = 2;
/** `[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]`: one character is one word and one token. */
export const HAN_KANA = 4;
/** `\s` (JS white space and line terminators, what `split(/\s+/)` and `trim()` use). */
export const SPACE = 8;
/** `\p{L}`: the letters the mixed-script rule looks at. */
export const LETTER = 16;
/** Bits 5–7: index in SCRIPTS. */
const SCRIPT_SHIFT = 5;

export const SCRIPTS: readonly Script[] = ['latin', 'han', 'kana', 'hangul', 'cyrillic', 'arabic', 'other'];

/**
 * Script of one code point: the first property regex that matches, in this order. Exported as the per-character
 * step of the regex reference bench/readability.bench.ts times the scanners against.
 */
export function scriptOfCodePoint(ch: string): Script {
  if (/\p{Script=Han}/u.test(ch)) return 'han';
  if (/[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)) return 'kana';
  if (/\p{Script=Hangul}/u.test(ch)) return 'hangul';
  if (/\p{Script=Latin}/u.test(ch)) return 'latin';
  if (/\p{Script=Cyrillic}/u.test(ch)) return 'cyrillic';
  if (/\p{Script=Arabic}/u.test(ch)) return 'arabic';
  return 'other';
}

function compute(c: number): number {
  const ch = String.fromCodePoint(c);
  return (
    KNOWN |
    (/[\p{L}\p{M}]/u.test(ch) ? LETTER_OR_MARK : 0) |
    (/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch) ? HAN_KANA : 0) |
    (/^\s$/.test(ch) ? SPACE : 0) |
    (/\p{L}/u.test(ch) ? LETTER : 0) |
    (SCRIPTS.indexOf(scriptOfCodePoint(ch)) << SCRIPT_SHIFT)
  );
}

const BMP = new Uint8Array(0x10000);
const ASTRAL = new Map<number, number>();
for (let c = 0; c < 0x80; c++) BMP[c] = compute(c);

/** Class bits of a code point (a lone surrogate is a code point of its own, as in a `u` regex). */
export function classOf(c: number): number {
  if (c < 0x10000) {
    const v = BMP[c];
    return v !== 0 ? v : (BMP[c] = compute(c));
  }
  let v = ASTRAL.get(c);
  if (v === undefined) ASTRAL.set(c, (v = compute(c)));
  return v;
}

export function scriptIndexOf(bits: number): number {
  return bits >>> SCRIPT_SHIFT;
}

/** Script of a code point (throws on a non-code-point, like String.fromCodePoint). */
export function scriptAt(c: number): Script {
  if (!(c >= 0 && c < 0x10000)) String.fromCodePoint(c);
  return SCRIPTS[classOf(c) >>> SCRIPT_SHIFT];
}

/** Is the UTF-16 unit `\s`? (All of `\s` is in the BMP and outside the surrogates.) */
export function isSpaceUnit(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (classOf(c) & SPACE) !== 0;
}

let units: Uint16Array = new Uint16Array(1 << 14);
let unitsBuffer = Buffer.from(units.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The UTF-16 units of s in a reused array (valid until the next call; only the first s.length are s): one native
 * copy, after which the scanners read typed-array elements instead of paying charCodeAt's per-character dispatch
 * on the string's representation (measured: the scanners ran about 1.3× faster on a long CoT).
 */
export function unitsOf(s: string): Uint16Array {
  // Grown to fit; an array an unusually long text grew is dropped at the next short one.
  const size = units.length < s.length ? Math.max(s.length, units.length * 2) : units.length > 1 << 20 && s.length < 1 << 14 ? 1 << 14 : 0;
  if (size) {
    units = new Uint16Array(size);
    unitsBuffer = Buffer.from(units.buffer);
  }
  if (LITTLE_ENDIAN) unitsBuffer.write(s, 0, 'utf16le');
  else for (let i = 0; i < s.length; i++) units[i] = s.charCodeAt(i);
  return units;
}
