/**
 * Exact rational numbers on BigInt, so integer and fraction answers compare exactly (1/2004! ≠ 1/2006!, which a
 * float with an absolute tolerance would call equal). Always normalised: gcd(num, den) = 1, den > 0.
 */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

/** Bigger operands than this are not computed exactly (guards against 10^{10^{9}} hanging a worker). */
export const MAX_EXACT_BITS = 131_072;

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function rat(num: bigint, den: bigint = 1n): Rational {
  if (den === 0n) throw new RangeError('division by zero');
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const g = gcd(num, den);
  return g > 1n ? { num: num / g, den: den / g } : { num, den };
}

/** Parse a plain decimal literal ("12", "-0.50", ".4", "1e3" not accepted) exactly. */
export function ratFromDecimal(text: string): Rational | null {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const frac = m[3] ?? '';
  const num = BigInt((m[2] || '0') + frac) * (m[1] === '-' ? -1n : 1n);
  return rat(num, 10n ** BigInt(frac.length));
}

/** Exact bit length of |x|. */
function bits(x: bigint): number {
  const hex = (x < 0n ? -x : x).toString(16);
  return hex === '0' ? 0 : (hex.length - 1) * 4 + parseInt(hex[0], 16).toString(2).length;
}
const tooBig = (r: Rational) => bits(r.num) > MAX_EXACT_BITS || bits(r.den) > MAX_EXACT_BITS;

export const ratAdd = (a: Rational, b: Rational) => rat(a.num * b.den + b.num * a.den, a.den * b.den);
export const ratSub = (a: Rational, b: Rational) => rat(a.num * b.den - b.num * a.den, a.den * b.den);
export const ratMul = (a: Rational, b: Rational) => rat(a.num * b.num, a.den * b.den);
export const ratNeg = (a: Rational): Rational => ({ num: -a.num, den: a.den });
export const ratEq = (a: Rational, b: Rational) => a.num === b.num && a.den === b.den;
export const ratIsZero = (a: Rational) => a.num === 0n;
export const ratIsInt = (a: Rational) => a.den === 1n;

export function ratDiv(a: Rational, b: Rational): Rational | null {
  return b.num === 0n ? null : rat(a.num * b.den, a.den * b.num);
}

/** a^n for integer n; null when the result would be too large to keep exactly. */
export function ratPowInt(a: Rational, n: bigint): Rational | null {
  if (n === 0n) return rat(1n);
  if (a.num === 0n) return n > 0n ? a : null;
  const mag = n < 0n ? -n : n;
  const log2 = (x: bigint) => {
    const b = bits(x);
    const shift = Math.max(0, b - 53);
    return Math.log2(Number((x < 0n ? -x : x) >> BigInt(shift))) + shift;
  };
  const resultBits = Math.max(log2(a.num), log2(a.den)) * Number(mag);
  if (resultBits > MAX_EXACT_BITS) return null;
  const r = rat(a.num ** mag, a.den ** mag);
  return n < 0n ? ratDiv(rat(1n), r) : r;
}

/** n! for a non-negative integer n small enough to keep exactly. */
export function ratFactorial(a: Rational): Rational | null {
  if (a.den !== 1n || a.num < 0n || a.num > 3000n) return null;
  let p = 1n;
  for (let i = 2n; i <= a.num; i++) p *= i;
  return rat(p);
}

/** Exact integer square root of a perfect-square rational, else null. */
export function ratSqrt(a: Rational): Rational | null {
  if (a.num < 0n) return null;
  const s = (x: bigint) => {
    if (x < 2n) return x;
    let r = BigInt(Math.floor(Math.sqrt(Number(x))));
    while (r * r > x) r--;
    while ((r + 1n) * (r + 1n) <= x) r++;
    return r;
  };
  const n = s(a.num);
  const d = s(a.den);
  return n * n === a.num && d * d === a.den ? rat(n, d) : null;
}

export function ratToNumber(a: Rational): number {
  const n = Number(a.num);
  const d = Number(a.den);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Scale both down to keep the ratio representable.
  const shift = BigInt(Math.max(bits(a.num), bits(a.den)) - 1000);
  return Number(a.num >> shift) / Number(a.den >> shift);
}

export function ratToString(a: Rational): string {
  return a.den === 1n ? a.num.toString() : `${a.num}/${a.den}`;
}

export { tooBig as ratTooBig };
