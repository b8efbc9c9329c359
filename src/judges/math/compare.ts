import type { Node } from './ast.ts';
import { evaluate, freeSymbols, hashUnit, NotScalar, type Value } from './evaluate.ts';
import { textKey } from './normalise.ts';
import { show } from './parse.ts';
import type { MathPolicy } from './policy.ts';
import { ratEq, ratFromDecimal, ratToNumber, type Rational } from './rational.ts';

/**
 * Outcome of comparing a parsed reference with a parsed response: equal, different, or `null` when it can be
 * neither proven nor evaluated (a value that does not evaluate, equations whose sides cannot be sampled, a form that
 * is not a set of reals) — the judge reports that as `error`, never as a wrong answer.
 */
export interface Comparison {
  equal: boolean | null;
  reason: string;
  /** Not equal because the response names several answers against one (category `hedged`). */
  hedged?: boolean;
}

const yes = (reason: string): Comparison => ({ equal: true, reason });
const no = (reason: string): Comparison => ({ equal: false, reason });
const undecided = (reason: string): Comparison => ({ equal: null, reason });

/** An answer made of several values (a list, a set, a ± pair), compared order-free. */
interface Many {
  items: Node[];
  hedged: boolean;
}

const SCALAR = new Set(['num', 'sym', 'const', 'add', 'mul', 'neg', 'div', 'pow', 'fn']);
const isScalar = (n: Node) => SCALAR.has(n.t);

/** Label-like left side of an answer equation: x, a_3, f(x), |AB|, A:B, (p,q), \frac{NO}{BO} — names, no numbers. */
function isLabel(n: Node): boolean {
  switch (n.t) {
    case 'sym':
      return true;
    case 'mul':
      return n.args.every((a) => a.t === 'sym' || (a.t === 'tuple' && a.items.every((x) => x.t === 'sym')) || a.t === 'fn' && isLabel(a));
    case 'fn':
      return n.name === 'abs' ? isLabel(n.args[0]) : false;
    case 'ratio':
      return isLabel(n.a) && isLabel(n.b);
    case 'div':
      return isLabel(n.num) && isLabel(n.den);
    case 'tuple':
      return n.items.every((x) => x.t === 'sym');
    case 'text':
      return /^[A-Za-z]/.test(n.value);
    default:
      return false;
  }
}

interface Labelled {
  label: string | null;
  value: Node;
}

/** `x = 5` → (x, 5); `x = 5+5+1 = 11` → (x, 11); `x = 1/3 ≈ 0.33` → (x, 1/3); otherwise no label. */
function unlabel(n: Node): Labelled {
  if (n.t !== 'rel') return { label: null, value: n };
  let ops = n.ops;
  let args = n.args;
  const approx = ops.indexOf('~');
  if (approx === 0) {
    // x ≈ 11 reads as x = 11; 9.5/3.14 ≈ 3.01 is the exact value 9.5/3.14.
    if (!isLabel(args[0])) return { label: null, value: args[0] };
    ops = ['='];
    args = args.slice(0, 2);
  } else if (approx > 0) {
    ops = ops.slice(0, approx);
    args = args.slice(0, approx + 1);
  }
  if (args.length === 1) return { label: null, value: args[0] };
  if (ops.every((o) => o === '=') && isLabel(args[0])) return { label: textKey(show(args[0])), value: args[args.length - 1] };
  if (ops.length === 1 && ops[0] === 'in' && isLabel(args[0])) return { label: textKey(show(args[0])), value: args[1] };
  if (ops.every((o) => o === '=') && freeSymbols(args[0]).size === 0 && freeSymbols(args[args.length - 1]).size === 0) {
    // A computation 35 + 70 = 105: its result.
    return { label: null, value: args[args.length - 1] };
  }
  if (ops.every((o) => o === '=') && args.length > 2) {
    // A chain of steps a = b = c: the claim is first = last.
    return { label: null, value: { t: 'rel', ops: ['='], args: [args[0], args[args.length - 1]] } };
  }
  return { label: null, value: ops === n.ops ? n : { t: 'rel', ops, args } };
}

function expandPm(n: Node): Node[] | null {
  if (n.t !== 'pm') return null;
  const minus: Node = { t: 'neg', arg: n.b };
  return n.a ? [{ t: 'add', args: [n.a, n.b] }, { t: 'add', args: [n.a, minus] }] : [n.b, minus];
}

/** Several values, or null for a single one. */
function asMany(n: Node): Many | null {
  const { value } = unlabel(n);
  const pm = expandPm(value);
  if (pm) return { items: pm, hedged: false };
  if (n.t === 'list') return { items: n.items.flatMap((x) => expandPm(unlabel(x).value) ?? [x]), hedged: n.or };
  if (value.t === 'set') return { items: value.items.flatMap((x) => expandPm(x) ?? [x]), hedged: false };
  return null;
}

/**
 * "x < 2 or x > 4": inequalities in one variable joined by "or" describe one set, their union ((−∞, 2) ∪ (4, ∞)),
 * not a hedge between two answers.
 */
function relationsAsUnion(n: Node): Node {
  if (n.t !== 'list' || !n.or || n.items.length < 2) return n;
  const inequality = (x: Node) => x.t === 'rel' && x.ops.every((o) => o !== '=' && o !== '~' && o !== 'in');
  if (!n.items.every(inequality)) return n;
  const names = new Set(n.items.flatMap((x) => [...freeSymbols(x)]));
  return names.size === 1 ? { t: 'union', args: n.items } : n;
}

/** The variable of an assignment `x = 5` (a plain symbol), or null. */
function assignedVariable(n: Node): string | null {
  return n.t === 'rel' && n.ops.length === 1 && n.ops[0] === '=' && n.args[0].t === 'sym' && freeSymbols(n.args[1]).size === 0 ? n.args[0].name : null;
}

/**
 * "y = 5, x = 2" against a tuple: the values in the order of the problem's variables (`variables`, from the question),
 * else alphabetical (x before y), so it equals (2, 5). Null when the items are not assignments to distinct variables.
 */
function orderedAssignments(items: Node[], variables: readonly string[]): Node[] | null {
  const names = items.map(assignedVariable);
  if (names.some((x) => x === null) || new Set(names).size !== names.length) return null;
  const rank = (name: string) => {
    const k = variables.indexOf(name);
    return k >= 0 && names.every((x) => variables.includes(x!)) ? k : Number.NaN;
  };
  const known = names.every((x) => !Number.isNaN(rank(x!)));
  const order = items.map((_, k) => k).sort((a, b) => (known ? rank(names[a]!) - rank(names[b]!) : names[a]!.localeCompare(names[b]!)));
  return order.map((k) => items[k]);
}

export function compareAnswers(ref: Node, pred: Node, policy: MathPolicy, variables: readonly string[] = []): Comparison {
  ref = relationsAsUnion(ref);
  pred = relationsAsUnion(pred);
  const refMany = asMany(ref);
  const predMany = asMany(pred);
  if (!refMany && !predMany) return compareNodes(ref, pred, policy);
  if (refMany && predMany) return compareMany(refMany, predMany, policy);
  const ordered = (t: Node, m: Many) => t.t === 'tuple' && t.open === '(' && t.close === ')' && !m.hedged && m.items.length === t.items.length;
  if (predMany && ordered(ref, predMany)) return elementwise((ref as { items: Node[] }).items, orderedAssignments(predMany.items, variables) ?? predMany.items, policy, 'tuple');
  if (refMany && ordered(pred, refMany)) return elementwise(orderedAssignments(refMany.items, variables) ?? refMany.items, (pred as { items: Node[] }).items, policy, 'tuple');
  if (predMany) {
    const c = predMany.items.map((p) => compareNodes(ref, p, policy));
    // "15 39/40 or 639/40": two spellings of one value are no hedge.
    if (c.every((x) => x.equal === true)) return yes('every listed value equals the reference');
    if (predMany.hedged && policy.rejectHedges) return { equal: false, hedged: true, reason: `response hedges between ${predMany.items.length} answers (${show(pred)}); the reference is one value` };
    return no(`response lists ${predMany.items.length} values (${show(pred)}); the reference is one value (${show(ref)})`);
  }
  const items = refMany!.items;
  if (items.length === 1) return compareNodes(items[0], pred, policy);
  // A ± reference against a single value, or a list against one value.
  return no(`reference has ${items.length} values (${show(ref)}); response gives one (${show(pred)})`);
}

function compareMany(ref: Many, pred: Many, policy: MathPolicy): Comparison {
  const dedupe = (items: Node[]) => {
    const out: Node[] = [];
    for (const x of items) if (!out.some((y) => compareNodes(y, x, policy).equal === true)) out.push(x);
    return out;
  };
  const r = dedupe(ref.items);
  const p = dedupe(pred.items);
  if (r.length !== p.length) return no(`reference has ${r.length} distinct values, response ${p.length}`);
  const used = new Array<boolean>(p.length).fill(false);
  for (const x of r) {
    let open: Comparison | null = null;
    const k = p.findIndex((y, j) => {
      if (used[j]) return false;
      const c = compareNodes(x, y, policy);
      if (c.equal === null) open ??= c;
      return c.equal === true;
    });
    if (k < 0) return open ? undecided(`reference value ${show(x)}: ${(open as Comparison).reason}`) : no(`reference value ${show(x)} is missing from the response`);
    used[k] = true;
  }
  return yes(`same ${r.length} values (order-free)`);
}

const ALL_REALS = /^(all\s*real(\s*numbers)?|\\mathbb\{?r\}?|r|ℝ|\(-∞,∞\))$/i;
const REAL_LINE: Node = { t: 'tuple', open: '(', close: ')', items: [{ t: 'neg', arg: { t: 'const', name: 'inf' } }, { t: 'const', name: 'inf' }] };

export function compareNodes(ref: Node, pred: Node, policy: MathPolicy): Comparison {
  // "All real numbers" is the interval (-∞, ∞).
  if (ref.t === 'text' && ALL_REALS.test(ref.value.trim())) ref = REAL_LINE;
  if (pred.t === 'text' && ALL_REALS.test(pred.value.trim())) pred = REAL_LINE;
  if (textKey(show(ref)) === textKey(show(pred)) && !(ref.t === 'text' && pred.t === 'text' && ref.value !== pred.value && ref.value.toLowerCase() !== pred.value.toLowerCase())) {
    return yes(`same answer: ${show(ref)}`);
  }
  const r = unlabel(ref);
  const p = unlabel(pred);
  if (r.label !== null && p.label !== null) {
    if (r.label === p.label) return compareNodes(r.value, p.value, policy);
    if (isScalar(r.value) && isScalar(p.value)) return compareEquations(ref as Extract<Node, { t: 'rel' }>, pred as Extract<Node, { t: 'rel' }>, policy);
    return no(`different names: ${show(ref)} vs ${show(pred)}`);
  }
  const isEquation = (n: Node): n is Rel => n.t === 'rel' && n.ops.length === 1 && n.ops[0] === '=';
  if (r.label !== null && isEquation(ref) && p.label === null && isEquation(p.value)) return compareEquations(ref, p.value, policy);
  if (p.label !== null && isEquation(pred) && r.label === null && isEquation(r.value)) return compareEquations(r.value, pred, policy);
  if (r.label !== null || p.label !== null) return compareNodes(r.value, p.value, policy);
  ref = r.value;
  pred = p.value;

  const refMany = asMany(ref);
  const predMany = asMany(pred);
  if (refMany || predMany) return compareAnswers(ref, pred, policy);

  if (ref.t === 'percent' || pred.t === 'percent') return comparePercent(ref, pred, policy);

  if (ref.t === 'rel' && pred.t === 'rel') {
    if (ref.ops.length === 1 && pred.ops.length === 1 && ref.ops[0] === '=' && pred.ops[0] === '=') return compareEquations(ref, pred, policy);
    const inequality = (n: typeof ref) => n.ops.every((o) => o !== '=' && o !== 'in');
    if (inequality(ref) && inequality(pred) && ref.ops.length === 1 && pred.ops.length === 1) return compareInequalities(ref, pred, policy);
    if (policy.relationAsSet) return compareSets(ref, pred, policy);
    return no(`relations differ: ${show(ref)} vs ${show(pred)}`);
  }
  if (isSetLike(ref) || isSetLike(pred)) {
    if ((ref.t === 'rel' || pred.t === 'rel') && !policy.relationAsSet) return no('an inequality is not compared with an interval under this policy');
    if (isSetLike(ref) && isSetLike(pred)) return compareSets(ref, pred, policy);
    if ((ref.t === 'tuple' || ref.t === 'rel') && (pred.t === 'tuple' || pred.t === 'rel')) return compareSets(ref, pred, policy);
    return no(`${kindOf(ref)} vs ${kindOf(pred)}`);
  }
  if (ref.t === 'rel' || pred.t === 'rel') return no(`${show(ref)} is ${kindOf(ref)}, ${show(pred)} is ${kindOf(pred)}`);

  if (ref.t === 'tuple' && pred.t === 'tuple') {
    if (ref.items.length !== pred.items.length) return no(`tuples of length ${ref.items.length} and ${pred.items.length}`);
    if (ref.open !== pred.open || ref.close !== pred.close) return no(`bracket types differ: ${ref.open}…${ref.close} vs ${pred.open}…${pred.close}`);
    return elementwise(ref.items, pred.items, policy, 'tuple');
  }
  if (ref.t === 'matrix' || pred.t === 'matrix' || hasMatrix(ref) || hasMatrix(pred)) {
    const rows = (n: Node): Node[][] | null => (n.t === 'tuple' ? n.items.map((x) => [x]) : matrixOf(n));
    const a = rows(ref);
    const b = rows(pred);
    if (!a || !b) return no(`${kindOf(ref)} vs ${kindOf(pred)}`);
    if (a.length !== b.length || a.some((row, k) => row.length !== b[k].length)) return no('matrix shapes differ');
    return elementwise(a.flat(), b.flat(), policy, 'matrix');
  }
  if (ref.t === 'ratio' && pred.t === 'ratio') {
    const q = compareScalars({ t: 'div', num: ref.a, den: ref.b }, { t: 'div', num: pred.a, den: pred.b }, policy);
    if (q.equal === true) return q;
    return elementwise([ref.a, ref.b], [pred.a, pred.b], policy, 'ratio');
  }
  if (ref.t === 'ratio') return compareScalars({ t: 'div', num: ref.a, den: ref.b }, pred, policy);
  if (pred.t === 'ratio') return compareScalars(ref, { t: 'div', num: pred.a, den: pred.b }, policy);
  if (ref.t === 'text' || pred.t === 'text') {
    return textKey(show(ref)) === textKey(show(pred)) ? yes('same text') : no(`different text: "${show(ref)}" vs "${show(pred)}"`);
  }
  if (ref.t === 'tuple' || pred.t === 'tuple' || ref.t === 'set' || pred.t === 'set' || ref.t === 'list' || pred.t === 'list') {
    return no(`${kindOf(ref)} vs ${kindOf(pred)}`);
  }
  return compareScalars(ref, pred, policy);
}

function hasMatrix(n: Node): boolean {
  return (n.t === 'add' || n.t === 'mul') && n.args.some((a) => a.t === 'matrix' || hasMatrix(a));
}

/** A matrix literal, or a sum / product of matrices (and scalars) worked out entry by entry. */
function matrixOf(n: Node): Node[][] | null {
  if (n.t === 'matrix') return n.rows;
  if (n.t === 'add') {
    const ms = n.args.map(matrixOf);
    if (ms.some((m) => !m)) return null;
    const [first, ...rest] = ms as Node[][][];
    if (rest.some((m) => m.length !== first.length || m.some((row, i) => row.length !== first[i].length))) return null;
    return first.map((row, i) => row.map((_, j) => ({ t: 'add', args: (ms as Node[][][]).map((m) => m[i][j]) }) as Node));
  }
  if (n.t === 'mul') {
    let acc: Node[][] | null = null;
    const scalars: Node[] = [];
    for (const a of n.args) {
      const m = a.t === 'matrix' || hasMatrix(a) ? matrixOf(a) : null;
      if (!m) {
        if (a.t === 'matrix' || hasMatrix(a)) return null;
        scalars.push(a);
        continue;
      }
      if (!acc) acc = m;
      else {
        if (acc[0].length !== m.length) return null;
        const left: Node[][] = acc;
        acc = left.map((row) => m[0].map((_, j) => ({ t: 'add', args: row.map((x, k) => ({ t: 'mul', args: [x, m[k][j]] }) as Node) }) as Node));
      }
    }
    if (!acc) return null;
    return scalars.length === 0 ? acc : acc.map((row) => row.map((x) => ({ t: 'mul', args: [...scalars, x] }) as Node));
  }
  return null;
}

function kindOf(n: Node): string {
  if (n.t === 'rel') return n.ops.includes('=') ? 'an equation' : 'an inequality';
  if (n.t === 'tuple') return n.open === '(' && n.close === ')' ? 'a tuple' : 'an interval';
  return { matrix: 'a matrix', set: 'a set', union: 'a union', text: 'text', list: 'a list', ratio: 'a ratio' }[n.t as string] ?? 'a value';
}

function elementwise(a: Node[], b: Node[], policy: MathPolicy, what: string): Comparison {
  let open: Comparison | null = null;
  for (let k = 0; k < a.length; k++) {
    const c = compareNodes(a[k], b[k], policy);
    if (c.equal === false) return no(`${what} entry ${k + 1} differs: ${c.reason}`);
    if (c.equal === null) open ??= undecided(`${what} entry ${k + 1}: ${c.reason}`);
  }
  return open ?? yes(`same ${what} (${a.length} entries)`);
}

function comparePercent(ref: Node, pred: Node, policy: MathPolicy): Comparison {
  const inner = (n: Node) => (n.t === 'percent' ? n.arg : n);
  if (ref.t === 'percent' && pred.t === 'percent') return compareNodes(ref.arg, pred.arg, policy);
  if (!policy.percentMatchesBare) return no('percent against a bare number');
  const asNumber = compareNodes(inner(ref), inner(pred), policy);
  if (asNumber.equal === true) return yes(`${show(ref)} vs ${show(pred)}: percent read as the number`);
  const asFraction = compareScalars(ref.t === 'percent' ? { t: 'div', num: ref.arg, den: num(100) } : ref, pred.t === 'percent' ? { t: 'div', num: pred.arg, den: num(100) } : pred, policy);
  if (asFraction.equal === true) return yes(`${show(ref)} vs ${show(pred)}: percent read as a fraction`);
  return asNumber.equal === null && asFraction.equal === null ? asFraction : no(`${show(ref)} ≠ ${show(pred)}`);
}

const num = (n: number): Node => ({ t: 'num', value: ratFromDecimal(String(n))!, decimal: false, digits: 0 });

// ---------- scalars ----------

function decimalLiteral(n: Node): { value: Rational; places: number; digits: number } | null {
  const lit = n.t === 'neg' && n.arg.t === 'num' ? n.arg : n.t === 'num' ? n : null;
  if (!lit || lit.t !== 'num' || !lit.decimal) return null;
  const text = show(lit);
  const places = text.includes('.') ? text.split('.')[1].length : 0;
  const value = n.t === 'neg' ? { num: -lit.value.num, den: lit.value.den } : lit.value;
  return { value, places, digits: lit.digits };
}

function closeEnough(a: Value, b: Value, tol: number): boolean | null {
  if (a.exact && b.exact) return ratEq(a.exact, b.exact);
  // Overflowed or infinite values carry no digits to compare: undecidable (10^{10^{10}} vs 10^{10^{10}}+1).
  if (![a.re, a.im, b.re, b.im].every(Number.isFinite)) return null;
  const scale = Math.max(Math.hypot(a.re, a.im), Math.hypot(b.re, b.im));
  if (scale === 0) return true;
  // Values this small or large lose their meaning in floats: undecidable here, never "equal by tolerance".
  if (scale < 1e-250 || scale > 1e250) return null;
  return Math.hypot(a.re - b.re, a.im - b.im) <= tol * scale;
}

function environments(symbols: string[], count: number): Map<string, number>[] {
  if (symbols.length === 0) return [new Map()];
  // Every other point is negative, so |x| and √(x²) do not pass for x.
  return Array.from({ length: count }, (_, k) => new Map(symbols.map((s) => [s, (k % 2 === 1 ? -1 : 1) * hashUnit(s, k + 1)])));
}

function tryEval(n: Node, env: Map<string, number>): Value | null {
  try {
    return evaluate(n, env);
  } catch (e) {
    if (e instanceof NotScalar || e instanceof RangeError) return null;
    throw e;
  }
}

export function compareScalars(ref: Node, pred: Node, policy: MathPolicy): Comparison {
  const refDec = decimalLiteral(ref);
  const predDec = decimalLiteral(pred);
  const symbols = [...new Set([...freeSymbols(ref), ...freeSymbols(pred)])];
  if (symbols.length === 0 && (refDec || predDec) && !(refDec && predDec)) {
    const other = tryEval(refDec ? pred : ref, new Map());
    if (!other) return undecided(`cannot evaluate ${show(refDec ? pred : ref)}`);
    const dec = (refDec ?? predDec)!;
    if (other.exact && ratEq(other.exact, dec.value)) return yes(`${show(ref)} = ${show(pred)} exactly`);
    if (other.im !== 0) return no(`${show(ref)} ≠ ${show(pred)}`);
    if (refDec && policy.roundToDecimalReference) {
      const scaled = other.exact ? ratToNumber(other.exact) : other.re;
      const rounded = roundTo(scaled, dec.places);
      if (rounded !== null && ratEq(rounded, dec.value)) return yes(`${show(pred)} rounds to the reference ${show(ref)} at ${dec.places} places`);
      return no(`${show(pred)} does not round to the reference ${show(ref)}`);
    }
    if (dec.digits >= policy.decimalDigitsForExact && closeEnough(fromNumber(ratToNumber(dec.value)), other, 1e-11)) {
      return yes(`${show(pred)} is ${show(ref)} to ${dec.digits} significant digits`);
    }
    return no(`${show(pred)} is a rounded decimal, not the exact value ${show(ref)}`);
  }
  const envs = environments(symbols, policy.samplePoints);
  let decided = 0;
  for (const env of envs) {
    const a = tryEval(ref, env);
    const b = tryEval(pred, env);
    if (!a || !b) return undecided(`cannot evaluate ${!a ? show(ref) : show(pred)}`);
    const same = closeEnough(a, b, policy.relativeTolerance);
    if (same === false) return no(symbols.length ? `${show(ref)} ≠ ${show(pred)} (differ at a sample point)` : `${show(ref)} ≠ ${show(pred)}`);
    if (same === true) decided++;
  }
  if (decided === 0) return undecided(`cannot decide ${show(ref)} vs ${show(pred)} numerically (undefined or out of float range)`);
  return yes(symbols.length ? `${show(ref)} = ${show(pred)} at ${decided} sample points` : `${show(ref)} = ${show(pred)}`);
}

function fromNumber(x: number): Value {
  return { re: x, im: 0, exact: null };
}

function roundTo(x: number, places: number): Rational | null {
  if (!Number.isFinite(x)) return null;
  const s = x.toFixed(Math.min(places, 20));
  return ratFromDecimal(s);
}

// ---------- relations ----------

type Rel = Extract<Node, { t: 'rel' }>;

function difference(r: Rel): Node {
  return { t: 'add', args: [r.args[0], { t: 'neg', arg: r.args[r.args.length - 1] }] };
}

/** Ratio f/g of the two sides' (lhs − rhs), sampled: equations are equivalent when it is a nonzero constant. */
function ratioSamples(f: Node, g: Node, policy: MathPolicy): number[] | null {
  const symbols = [...new Set([...freeSymbols(f), ...freeSymbols(g)])];
  if (symbols.length === 0) return null;
  const out: number[] = [];
  for (const env of environments(symbols, policy.samplePoints + 2)) {
    const a = tryEval(f, env);
    const b = tryEval(g, env);
    if (!a || !b) return null;
    if (a.im !== 0 || b.im !== 0 || !Number.isFinite(a.re) || !Number.isFinite(b.re)) continue;
    if (b.re === 0 && a.re === 0) continue;
    if (b.re === 0 || a.re === 0) return [NaN];
    out.push(a.re / b.re);
  }
  return out.length >= 2 ? out : null;
}

function compareEquations(ref: Rel, pred: Rel, policy: MathPolicy): Comparison {
  const ratios = ratioSamples(difference(ref), difference(pred), policy);
  if (!ratios) return undecided(`cannot compare equations ${show(ref)} and ${show(pred)}`);
  const c = ratios[0];
  const constant = Number.isFinite(c) && c !== 0 && ratios.every((x) => Math.abs(x - c) <= 1e-9 * Math.abs(c));
  return constant ? yes(`equations ${show(ref)} and ${show(pred)} are multiples of each other`) : no(`equations ${show(ref)} and ${show(pred)} differ`);
}

const FLIP: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '!=': '!=' };

function compareInequalities(ref: Rel, pred: Rel, policy: MathPolicy): Comparison {
  // a op b  ⇔  (a − b) op 0; compare with the other side, flipped when the factor is negative.
  const ratios = ratioSamples(difference(ref), difference(pred), policy);
  if (ratios) {
    const c = ratios[0];
    if (Number.isFinite(c) && c !== 0 && ratios.every((x) => Math.abs(x - c) <= 1e-9 * Math.abs(c))) {
      const want = c > 0 ? pred.ops[0] : FLIP[pred.ops[0]];
      return want === ref.ops[0] ? yes(`inequalities ${show(ref)} and ${show(pred)} are equivalent`) : no(`inequalities ${show(ref)} and ${show(pred)} differ in direction or strictness`);
    }
  }
  if (policy.relationAsSet) return compareSets(ref, pred, policy);
  return no(`inequalities ${show(ref)} and ${show(pred)} differ`);
}

// ---------- sets of reals (intervals, unions, inequalities in one variable) ----------

function isSetLike(n: Node): boolean {
  if (n.t === 'union') return true;
  if (n.t === 'tuple') return n.items.length === 2 && (n.open !== '(' || n.close !== ')' || n.items.some(isInfinite));
  if (n.t === 'rel') return n.ops.some((o) => o !== '=' && o !== '~') || n.ops[0] === 'in';
  return false;
}

function isInfinite(n: Node): boolean {
  const x = n.t === 'neg' ? n.arg : n;
  return x.t === 'const' && x.name === 'inf';
}

function realOf(n: Node): number | null {
  const v = tryEval(n, new Map());
  return v && v.im === 0 && !Number.isNaN(v.re) ? v.re : null;
}

const near = (a: number, b: number) => a === b || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b)));

/** Membership test of t in the set a node describes; null when the node is not a set of reals. */
function membership(n: Node): ((t: number) => boolean) | null {
  if (n.t === 'union') {
    const parts = n.args.map(membership);
    if (parts.some((p) => !p)) return null;
    return (t) => parts.some((p) => p!(t));
  }
  if (n.t === 'tuple' && n.items.length === 2) {
    const lo = realOf(n.items[0]);
    const hi = realOf(n.items[1]);
    if (lo === null || hi === null) return null;
    return (t) => (n.open === '[' ? t > lo || near(t, lo) : t > lo && !near(t, lo)) && (n.close === ']' ? t < hi || near(t, hi) : t < hi && !near(t, hi));
  }
  if (n.t === 'set') {
    const vals = n.items.map(realOf);
    if (vals.some((v) => v === null)) return null;
    return (t) => vals.some((v) => near(t, v!));
  }
  if (n.t === 'rel') {
    if (n.ops.length === 1 && n.ops[0] === 'in') return membership(n.args[1]);
    // The variable: the only free symbol, or a label-like middle term (0 < f(x) < 1).
    const symbols = [...freeSymbols(n)];
    let args: Node[];
    let name: string;
    if (symbols.length === 1) {
      args = n.args;
      name = symbols[0];
    } else if (n.args.length === 3 && isLabel(n.args[1]) && freeSymbols(n.args[0]).size === 0 && freeSymbols(n.args[2]).size === 0) {
      name = '\u0000t';
      args = [n.args[0], { t: 'sym', name }, n.args[2]];
    } else return null;
    return (t) => {
      const env = new Map([[name, t]]);
      const vals = args.map((a) => {
        const v = tryEval(a, env);
        return v && v.im === 0 && !Number.isNaN(v.re) ? v.re : null;
      });
      if (vals.some((v) => v === null)) return false;
      return n.ops.every((op, k) => holds(op, vals[k]!, vals[k + 1]!));
    };
  }
  return null;
}

function holds(op: string, a: number, b: number): boolean {
  const eq = near(a, b);
  switch (op) {
    case '<':
      return a < b && !eq;
    case '>':
      return a > b && !eq;
    case '<=':
      return a < b || eq;
    case '>=':
      return a > b || eq;
    case '!=':
      return !eq;
    case '=':
      return eq;
    default:
      return false;
  }
}

function criticalPoints(n: Node, out: number[]): void {
  const add = (x: Node) => {
    const v = realOf(x);
    if (v !== null && Number.isFinite(v)) out.push(v, -v);
  };
  if (n.t === 'union') n.args.forEach((a) => criticalPoints(a, out));
  else if (n.t === 'tuple' || n.t === 'set') n.items.forEach(add);
  else if (n.t === 'rel') n.args.forEach((a) => (freeSymbols(a).size === 0 ? add(a) : criticalPoints(a, out)));
}

function compareSets(ref: Node, pred: Node, _policy: MathPolicy): Comparison {
  const a = membership(ref);
  const b = membership(pred);
  if (!a || !b) return undecided(`cannot read ${!a ? show(ref) : show(pred)} as a set of reals`);
  const crit: number[] = [0];
  criticalPoints(ref, crit);
  criticalPoints(pred, crit);
  const pts = [...new Set(crit)].sort((x, y) => x - y);
  const probes: number[] = [-1e9, 1e9];
  for (let k = 0; k < pts.length; k++) {
    const c = pts[k];
    const d = 1e-7 * Math.max(1, Math.abs(c));
    probes.push(c, c - d, c + d);
    if (k + 1 < pts.length) probes.push((c + pts[k + 1]) / 2);
  }
  for (const t of probes) {
    if (a(t) !== b(t)) return no(`${show(ref)} and ${show(pred)} differ at ${Number(t.toPrecision(6))}`);
  }
  return yes(`${show(ref)} and ${show(pred)} are the same set`);
}

