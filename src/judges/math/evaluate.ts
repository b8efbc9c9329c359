import type { Node } from './ast.ts';
import {
  rat, ratAdd, ratMul, ratNeg, ratDiv, ratPowInt, ratFactorial, ratSqrt, ratToNumber, ratIsInt, type Rational,
} from './rational.ts';

/**
 * Numeric value of a scalar expression: a complex number, plus the exact rational when every step was rational
 * (integers, fractions, terminating and repeating decimals, integer powers, factorials, perfect-square roots).
 */
export interface Value {
  re: number;
  im: number;
  exact: Rational | null;
}

export class NotScalar extends Error {
  override name = 'NotScalar';
}

export type Env = ReadonlyMap<string, number>;

const real = (re: number): Value => ({ re, im: 0, exact: null });
const fromRat = (r: Rational): Value => ({ re: ratToNumber(r), im: 0, exact: r });

function add(a: Value, b: Value): Value {
  return { re: a.re + b.re, im: a.im + b.im, exact: a.exact && b.exact ? ratAdd(a.exact, b.exact) : null };
}
function mul(a: Value, b: Value): Value {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re, exact: a.exact && b.exact ? ratMul(a.exact, b.exact) : null };
}
function div(a: Value, b: Value): Value {
  if (a.exact && b.exact) {
    const q = ratDiv(a.exact, b.exact);
    return q ? fromRat(q) : real(NaN);
  }
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d, exact: null };
}
function cexp(a: Value): Value {
  const m = Math.exp(a.re);
  return a.im === 0 ? real(m) : { re: m * Math.cos(a.im), im: m * Math.sin(a.im), exact: null };
}
function clog(a: Value): Value {
  if (a.im === 0 && a.re > 0) return real(Math.log(a.re));
  return { re: Math.log(Math.hypot(a.re, a.im)), im: Math.atan2(a.im, a.re), exact: null };
}
function pow(a: Value, b: Value): Value {
  if (b.exact && ratIsInt(b.exact)) {
    if (a.exact) {
      const p = ratPowInt(a.exact, b.exact.num);
      if (p) return fromRat(p);
      if (a.exact.num === 0n && b.exact.num < 0n) return real(NaN);
    }
    const n = Number(b.exact.num);
    if (a.im === 0) return real(Math.pow(a.re, n));
    if (Math.abs(n) <= 64) {
      let r: Value = { re: 1, im: 0, exact: null };
      for (let k = 0; k < Math.abs(n); k++) r = mul(r, a);
      return n < 0 ? div({ re: 1, im: 0, exact: null }, r) : r;
    }
  }
  if (a.exact && b.exact && a.exact.num > 0n && b.exact.den === 2n) {
    // (p/q)^(k/2) exactly when p/q is a perfect square.
    const root = ratSqrt(a.exact);
    if (root) return pow(fromRat(root), fromRat(rat(b.exact.num)));
  }
  if (a.im === 0 && b.im === 0 && a.re >= 0) return real(Math.pow(a.re, b.re));
  if (a.im === 0 && b.im === 0 && a.re < 0 && b.exact && b.exact.den % 2n === 1n) {
    // Real odd root of a negative number: (-8)^(1/3) = -2, as a reader means it.
    const r = Math.pow(-a.re, b.re);
    return real(b.exact.num % 2n === 0n ? r : -r);
  }
  if (a.re === 0 && a.im === 0) return real(0);
  return cexp(mul(b, clog(a)));
}
function sqrt(a: Value): Value {
  if (a.exact) {
    const r = ratSqrt(a.exact);
    if (r) return fromRat(r);
  }
  if (a.im === 0 && a.re >= 0) return real(Math.sqrt(a.re));
  if (a.im === 0) return { re: 0, im: Math.sqrt(-a.re), exact: null };
  return pow(a, fromRat(rat(1n, 2n)));
}
function neg(a: Value): Value {
  return { re: -a.re, im: -a.im, exact: a.exact ? ratNeg(a.exact) : null };
}

function gammaLn(x: number): number {
  // Lanczos approximation, for non-integer factorials.
  const g = 7;
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61571750424527, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let k = 1; k < g + 2; k++) a += c[k] / (x + k);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function applyFn(name: string, args: Value[]): Value {
  const [a, b] = args;
  const realOnly = (f: (x: number) => number) => {
    if (a.im !== 0) return real(NaN);
    return real(f(a.re));
  };
  switch (name) {
    case 'sqrt':
      return sqrt(a);
    case 'root': {
      if (b.exact && ratIsInt(b.exact) && b.exact.num === 2n) return sqrt(a);
      return pow(a, div(fromRat(rat(1n)), b));
    }
    case 'abs':
      if (a.exact) return fromRat(a.exact.num < 0n ? ratNeg(a.exact) : a.exact);
      return real(Math.hypot(a.re, a.im));
    case 'fact': {
      if (a.exact) {
        const f = ratFactorial(a.exact);
        if (f) return fromRat(f);
      }
      return realOnly((x) => Math.exp(gammaLn(x + 1)));
    }
    case 'binom': {
      if (a.exact && b.exact && ratIsInt(a.exact) && ratIsInt(b.exact) && a.exact.num >= 0n && b.exact.num >= 0n && a.exact.num <= 100000n) {
        const n = a.exact.num;
        const k = b.exact.num;
        if (k > n) return fromRat(rat(0n));
        let r = 1n;
        const kk = k < n - k ? k : n - k;
        for (let j = 0n; j < kk; j++) r = (r * (n - j)) / (j + 1n);
        return fromRat(rat(r));
      }
      return real(Math.exp(gammaLn(a.re + 1) - gammaLn(b.re + 1) - gammaLn(a.re - b.re + 1)));
    }
    case 'floor':
      return a.exact ? fromRat(rat(floorDiv(a.exact.num, a.exact.den))) : realOnly(Math.floor);
    case 'ceil':
      return a.exact ? fromRat(rat(-floorDiv(-a.exact.num, a.exact.den))) : realOnly(Math.ceil);
    case 'exp':
      return cexp(a);
    case 'ln':
      return clog(a);
    case 'log':
      // \log_b x; a bare \log is read as natural log only when no base is given (the MATH convention for
      // answers like \log 2 is ambiguous; both sides are read the same way, so equality is unaffected).
      return b ? div(clog(a), clog(b)) : clog(a);
    case 'log10':
      return div(clog(a), real(Math.LN10));
    case 'sin':
      return a.im === 0 ? real(Math.sin(a.re)) : { re: Math.sin(a.re) * Math.cosh(a.im), im: Math.cos(a.re) * Math.sinh(a.im), exact: null };
    case 'cos':
      return a.im === 0 ? real(Math.cos(a.re)) : { re: Math.cos(a.re) * Math.cosh(a.im), im: -Math.sin(a.re) * Math.sinh(a.im), exact: null };
    case 'tan':
      return div(applyFn('sin', [a]), applyFn('cos', [a]));
    case 'sec':
      return div(real(1), applyFn('cos', [a]));
    case 'csc':
      return div(real(1), applyFn('sin', [a]));
    case 'cot':
      return div(applyFn('cos', [a]), applyFn('sin', [a]));
    case 'arcsin':
      return realOnly(Math.asin);
    case 'arccos':
      return realOnly(Math.acos);
    case 'arctan':
      return realOnly(Math.atan);
    case 'sinh':
      return realOnly(Math.sinh);
    case 'cosh':
      return realOnly(Math.cosh);
    case 'tanh':
      return realOnly(Math.tanh);
  }
  if (name.startsWith('op:')) {
    // Opaque operator (sum, integral …): a fixed function of its body, keyed by its bounds text.
    const h = hashUnit(name);
    return add(mul(a, real(1 + h)), real(h));
  }
  throw new NotScalar(`function ${name}`);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/** Deterministic value in (0.3, 1.7) for a name: the same symbol gets the same value on both sides. */
export function hashUnit(name: string, salt = 0): number {
  let h = 2166136261 ^ salt;
  for (let k = 0; k < name.length; k++) h = Math.imul(h ^ name.charCodeAt(k), 16777619);
  h = Math.imul(h ^ (h >>> 15), 2246822507) ^ salt * 374761393;
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return 0.3 + (((h ^ (h >>> 16)) >>> 0) / 4294967296) * 1.4;
}

export function evaluate(n: Node, env: Env): Value {
  switch (n.t) {
    case 'num':
      return fromRat(n.value);
    case 'sym': {
      if (n.name === 'e') return real(Math.E);
      if (n.name === 'i') return { re: 0, im: 1, exact: null };
      const v = env.get(n.name);
      if (v === undefined) throw new NotScalar(`unbound ${n.name}`);
      return real(v);
    }
    case 'const':
      if (n.name === 'pi') return real(Math.PI);
      if (n.name === 'e') return real(Math.E);
      if (n.name === 'i') return { re: 0, im: 1, exact: null };
      return real(Infinity);
    case 'add':
      return n.args.map((a) => evaluate(a, env)).reduce(add);
    case 'mul':
      return n.args.map((a) => evaluate(a, env)).reduce(mul);
    case 'neg':
      return neg(evaluate(n.arg, env));
    case 'div':
      return div(evaluate(n.num, env), evaluate(n.den, env));
    case 'pow':
      return pow(evaluate(n.base, env), evaluate(n.exp, env));
    case 'fn':
      return applyFn(n.name, n.args.map((a) => evaluate(a, env)));
    case 'percent':
      return div(evaluate(n.arg, env), fromRat(rat(100n)));
    default:
      throw new NotScalar(n.t);
  }
}

/** Free symbols of a scalar expression (e and i are constants). */
export function freeSymbols(n: Node, out = new Set<string>()): Set<string> {
  switch (n.t) {
    case 'sym':
      if (n.name !== 'e' && n.name !== 'i') out.add(n.name);
      break;
    case 'add':
    case 'mul':
    case 'union':
      for (const a of n.args) freeSymbols(a, out);
      break;
    case 'list':
      for (const a of n.items) freeSymbols(a, out);
      break;
    case 'neg':
    case 'percent':
      freeSymbols(n.arg, out);
      break;
    case 'div':
      freeSymbols(n.num, out);
      freeSymbols(n.den, out);
      break;
    case 'pow':
      freeSymbols(n.base, out);
      freeSymbols(n.exp, out);
      break;
    case 'fn':
      for (const a of n.args) freeSymbols(a, out);
      break;
    case 'pm':
      if (n.a) freeSymbols(n.a, out);
      freeSymbols(n.b, out);
      break;
    case 'ratio':
      freeSymbols(n.a, out);
      freeSymbols(n.b, out);
      break;
    case 'rel':
      for (const a of n.args) freeSymbols(a, out);
      break;
    case 'tuple':
    case 'set':
      for (const a of n.items) freeSymbols(a, out);
      break;
    case 'matrix':
      for (const r of n.rows) for (const a of r) freeSymbols(a, out);
      break;
  }
  return out;
}
