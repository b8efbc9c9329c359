import { ParseError, type Node } from './ast.ts';
import { rat, ratAdd, ratFromDecimal, ratDiv, type Rational } from './rational.ts';

/**
 * A small LaTeX / plain-math parser for final answers (tokenizer + recursive descent). It covers what answers are
 * written in — numbers, fractions, radicals, powers, functions, π/e/i, ±, percent, units, tuples, sets, intervals,
 * unions, relations, matrices, text — and throws ParseError on anything else, so nothing is ever guessed out of
 * unparseable LaTeX.
 */

type Tok =
  | { k: 'num'; v: string; exact?: Rational }
  | { k: 'cmd'; v: string }
  | { k: 'ch'; v: string }
  | { k: 'word'; v: string }
  | { k: 'text'; v: string }
  | { k: 'matrix'; rows: string[][] }
  | { k: 'sep'; v: ',' | ';' | 'and' | 'or' };

const FUNCTIONS = new Set([
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'ln', 'log', 'exp', 'lg',
]);
const GREEK = new Set([
  'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'varepsilon', 'zeta', 'eta', 'theta', 'vartheta', 'iota', 'kappa', 'lambda',
  'mu', 'nu', 'xi', 'rho', 'sigma', 'tau', 'upsilon', 'phi', 'varphi', 'chi', 'psi', 'omega', 'Gamma', 'Delta', 'Theta',
  'Lambda', 'Xi', 'Sigma', 'Phi', 'Psi', 'Omega', 'ell',
]);
const RELATIONS: Record<string, string> = {
  '=': '=', '<': '<', '>': '>', '<=': '<=', '>=': '>=', '!=': '!=', le: '<=', leq: '<=', leqslant: '<=', ge: '>=',
  geq: '>=', geqslant: '>=', lt: '<', gt: '>', ne: '!=', neq: '!=', approx: '~', in: 'in', equiv: '=',
};
/** Words that are units when they follow a quantity; dropped (10 cm = 10). */
const UNITS = new Set(
  ('cm mm km m kg g mg l ml s sec min mins minute minutes h hr hrs hour hours day days week weeks year years month months ' +
    'meter meters metre metres inch inches foot feet ft yard yards mile miles mph kmh unit units dollar dollars cent cents ' +
    'yuan euro euros usd rs rupees degree degrees deg rad radian radians square sq cubic cu liters litres liter litre gram grams ' +
    'kilogram kilograms pound pounds lb lbs oz ounce ounces people persons students times ways points cups pages boxes items ' +
    'apples eggs marbles books cookies children men women kids sheep cows dogs cats birds tickets bottles hats trees coins').split(' '),
);
const PERCENT_WORDS = new Set(['percent', 'pct', 'percentage', 'per cent']);

function readBraced(s: string, i: number): [string, number] {
  // s[i] === '{'; returns the content and the index after the matching '}'.
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return [s.slice(i + 1, j), j + 1];
  }
  throw new ParseError('unbalanced braces');
}

function splitMatrix(body: string): string[][] {
  const rows = body.split(/\\\\(?:\[[^\]]*\])?/).map((r) => r.trim()).filter((r) => r !== '' && !/^\\hline$/.test(r));
  return rows.map((r) => r.replace(/\\hline/g, '').split('&').map((c) => c.trim()));
}

const STYLE_TEXT = new Set(['text', 'textbf', 'textit', 'textrm', 'textnormal', 'mbox', 'mathrm', 'mathit', 'textsf', 'texttt', 'hbox']);
const STYLE_MATH = new Set(['mathbf', 'boldsymbol', 'bm', 'mathbb', 'mathcal', 'vec', 'overrightarrow', 'overline', 'hat', 'bar', 'widehat', 'tilde', 'underline']);

export function tokenize(src: string): Tok[] {
  const s = src;
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    // Numbers, including repeating decimals 0.\overline{3}.
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)/.exec(s.slice(i, i + 400));
    if (num) {
      let text = num[0];
      i += text.length;
      const rep = /^\\overline\s*\{(\d+)\}|^\\dot\{(\d)\}/.exec(s.slice(i));
      if (rep && text.includes('.')) {
        const digits = rep[1] ?? rep[2];
        i += rep[0].length;
        // x = a.b(ccc) = a.b + 0.0ccc… exactly.
        const head = ratFromDecimal(text.endsWith('.') ? text + '0' : text)!;
        const fracLen = text.split('.')[1].length;
        const period = ratDiv(rat(BigInt(digits)), rat(10n ** BigInt(digits.length) - 1n))!;
        const exact = ratAdd(head, ratDiv(period, rat(10n ** BigInt(fracLen)))!);
        out.push({ k: 'num', v: text + '(' + digits + ')', exact });
        continue;
      }
      if (text.endsWith('.')) text = text.slice(0, -1);
      out.push({ k: 'num', v: text });
      continue;
    }
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+)/.exec(s.slice(i, i + 40));
      if (!m) {
        const n = s[i + 1] ?? '';
        i += 2;
        if (n === '{' || n === '}' || n === '%' || n === '|' || n === '#' || n === '&' || n === '_') out.push({ k: 'cmd', v: n });
        else if (n === '\\') out.push({ k: 'cmd', v: '\\' });
        continue;
      }
      const name = m[1];
      i += m[0].length;
      if (STYLE_TEXT.has(name) || name === 'operatorname') {
        while (s[i] === ' ') i++;
        if (s[i] !== '{') {
          // \text X (single token) — rare; treat next char as the content.
          out.push({ k: 'text', v: s[i] ?? '' });
          i++;
          continue;
        }
        const [body, next] = readBraced(s, i);
        i = next;
        if (name === 'operatorname') out.push({ k: 'word', v: body.trim() });
        else if (/^\s*(and|or)\s*$/i.test(body)) out.push({ k: 'sep', v: body.trim().toLowerCase() as 'and' | 'or' });
        else out.push({ k: 'text', v: body });
        continue;
      }
      if (name === 'begin') {
        const env = /^\{([a-zA-Z*]+)\}(\{[^}]*\})?/.exec(s.slice(i));
        if (!env) throw new ParseError('malformed \\begin');
        const end = s.indexOf(`\\end{${env[1]}}`, i);
        if (end < 0) throw new ParseError(`unclosed \\begin{${env[1]}}`);
        const body = s.slice(i + env[0].length, end);
        i = end + `\\end{${env[1]}}`.length;
        if (/matrix|array/.test(env[1])) out.push({ k: 'matrix', rows: splitMatrix(body) });
        else out.push(...tokenize(body.replace(/&/g, ' ').replace(/\\\\/g, ',')));
        continue;
      }
      if (name === 'end') throw new ParseError('stray \\end');
      if (name === 'boxed' || name === 'fbox') continue; // its group is parsed as a plain group
      out.push({ k: 'cmd', v: name });
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      const m = /^[a-zA-Z]+/.exec(s.slice(i, i + 60))!;
      const w = m[0];
      i += w.length;
      if (w === 'and' || w === 'or') out.push({ k: 'sep', v: w });
      else if (w.length >= 3 || ['pi', 'ln', 'cm', 'mm', 'km', 'kg', 'ml', 'lb', 'oz', 'ft', 'mg'].includes(w) || (w.length === 2 && UNITS.has(w))) {
        out.push({ k: 'word', v: w });
      } else for (const ch of w) out.push({ k: 'ch', v: ch });
      continue;
    }
    const two = s.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '!=' || two === '**') {
      out.push({ k: 'ch', v: two === '**' ? '^' : two });
      i += 2;
      continue;
    }
    if (c === ',' || c === ';') {
      out.push({ k: 'sep', v: c });
      i++;
      continue;
    }
    if (/[\u4e00-\u9fff]/u.test(c)) {
      // CJK between answers: 和 (and), 或 (or); anything else ends in a word token (text).
      if (c === '和' || c === '及') out.push({ k: 'sep', v: 'and' });
      else if (c === '或') out.push({ k: 'sep', v: 'or' });
      else out.push({ k: 'word', v: c });
      i++;
      continue;
    }
    out.push({ k: 'ch', v: c });
    i++;
  }
  return out;
}

const isCh = (t: Tok | undefined, v: string) => t !== undefined && t.k === 'ch' && t.v === v;
const isCmd = (t: Tok | undefined, v: string) => t !== undefined && t.k === 'cmd' && t.v === v;

class Parser {
  private i = 0;
  private absDepth = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(o = 0): Tok | undefined {
    return this.toks[this.i + o];
  }
  next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new ParseError('unexpected end');
    return t;
  }
  atEnd() {
    return this.i >= this.toks.length;
  }
  expectCh(v: string) {
    const t = this.next();
    if (!(t.k === 'ch' && t.v === v)) throw new ParseError(`expected '${v}'`);
  }

  /** Top level: a list of answers separated by , ; and or (grouped into tuples when every group has equal size > 1). */
  parseTop(): Node {
    const groups: Node[][] = [[]];
    let or = false;
    let groupSep = false;
    let pendingSeps: string[] = [];
    while (!this.atEnd()) {
      const t = this.peek()!;
      if (t.k === 'sep') {
        pendingSeps.push(t.v);
        this.i++;
        continue;
      }
      if (pendingSeps.length > 0) {
        if (pendingSeps.includes('or')) or = true;
        const boundary = !pendingSeps.includes(',') && pendingSeps.some((x) => x === ';' || x === 'and' || x === 'or');
        if (boundary && groups[groups.length - 1].length > 0) {
          groups.push([]);
          groupSep = true;
        }
        pendingSeps = [];
      }
      groups[groups.length - 1].push(this.parseRelation());
      if (!this.atEnd() && this.peek()!.k !== 'sep') throw new ParseError(`unexpected '${tokText(this.peek()!)}'`);
    }
    const nonEmpty = groups.filter((g) => g.length > 0);
    if (nonEmpty.length === 0) throw new ParseError('empty answer');
    const size = nonEmpty[0].length;
    if (groupSep && nonEmpty.length > 1 && size > 1 && nonEmpty.every((g) => g.length === size)) {
      return { t: 'list', or, items: nonEmpty.map((g) => ({ t: 'tuple', open: '(', close: ')', items: g })) };
    }
    const items = nonEmpty.flat();
    return items.length === 1 ? items[0] : { t: 'list', or, items };
  }

  /** Items inside brackets, separated by , or ; until a closing token. */
  parseItems(isClose: (t: Tok) => boolean): Node[] {
    const items: Node[] = [];
    while (true) {
      const t = this.peek();
      if (!t) throw new ParseError('unclosed bracket');
      if (isClose(t)) return items;
      if (t.k === 'sep') {
        this.i++;
        continue;
      }
      items.push(this.parseRelation());
      const after = this.peek();
      if (after && !isClose(after) && after.k !== 'sep') throw new ParseError(`unexpected '${tokText(after)}' in a list`);
    }
  }

  parseRelation(): Node {
    const args = [this.parseUnion()];
    const ops: string[] = [];
    while (true) {
      const t = this.peek();
      let op: string | undefined;
      if (t?.k === 'ch' && RELATIONS[t.v]) op = RELATIONS[t.v];
      else if (t?.k === 'cmd' && RELATIONS[t.v]) op = RELATIONS[t.v];
      if (!op) break;
      this.i++;
      ops.push(op);
      args.push(this.parseUnion());
    }
    return ops.length === 0 ? args[0] : { t: 'rel', ops, args };
  }

  parseUnion(): Node {
    const args = [this.parseRatio()];
    while (isCmd(this.peek(), 'cup')) {
      this.i++;
      args.push(this.parseRatio());
    }
    return args.length === 1 ? args[0] : { t: 'union', args };
  }

  parseRatio(): Node {
    const a = this.parseAdd();
    if (isCh(this.peek(), ':')) {
      this.i++;
      return { t: 'ratio', a, b: this.parseAdd() };
    }
    return a;
  }

  parseAdd(): Node {
    let first: Node;
    const t = this.peek();
    if (isCh(t, '-')) {
      this.i++;
      first = { t: 'neg', arg: this.parseMul() };
    } else if (isCh(t, '+')) {
      this.i++;
      first = this.parseMul();
    } else if (isCmd(t, 'pm') || isCmd(t, 'mp')) {
      this.i++;
      first = { t: 'pm', a: null, b: this.parseMul() };
    } else first = this.parseMul();
    const terms: Node[] = [first];
    let pm: Node | null = null;
    while (true) {
      const op = this.peek();
      if (isCh(op, '+')) {
        this.i++;
        terms.push(this.parseMul());
      } else if (isCh(op, '-')) {
        this.i++;
        terms.push({ t: 'neg', arg: this.parseMul() });
      } else if (isCmd(op, 'pm') || isCmd(op, 'mp')) {
        this.i++;
        const b = this.parseMul();
        const a: Node = terms.length === 1 ? terms[0] : { t: 'add', args: terms.splice(0) };
        pm = { t: 'pm', a, b };
        terms.length = 0;
        terms.push(pm);
      } else break;
    }
    return terms.length === 1 ? terms[0] : { t: 'add', args: terms };
  }

  startsFactor(t: Tok | undefined): boolean {
    if (!t) return false;
    if (t.k === 'num' || t.k === 'matrix') return true;
    if (t.k === 'word') return !UNITS.has(t.v.toLowerCase()) && !PERCENT_WORDS.has(t.v.toLowerCase());
    if (t.k === 'text') return true;
    if (t.k === 'ch') return /^[a-zA-Z(\[]$/.test(t.v) || (t.v === '|' && this.absDepth === 0) || t.v === '{';
    if (t.k === 'cmd') {
      return !(t.v in RELATIONS) && !['cup', 'pm', 'mp', 'cdot', 'times', 'div', '}', '\\', 'right', 'cap', 'to', 'rightarrow', 'implies', 'quad'].includes(t.v);
    }
    return false;
  }

  parseMul(): Node {
    const factors: Node[] = [this.parsePostfix()];
    let dividing = false;
    while (true) {
      const t = this.peek();
      if (isCmd(t, 'cdot') || isCmd(t, 'times') || isCh(t, '*')) {
        this.i++;
        factors.push(this.parsePostfix());
        continue;
      }
      if (isCh(t, '/') || isCmd(t, 'div')) {
        this.i++;
        const den = this.parsePostfix();
        const num: Node = factors.length === 1 ? factors[0] : { t: 'mul', args: factors.splice(0) };
        factors.length = 0;
        factors.push({ t: 'div', num, den });
        dividing = true;
        continue;
      }
      if (t && (t.k === 'word' || t.k === 'text') && this.isUnitText(t)) {
        // A unit after a quantity: 10 cm, 125\text{ miles}, 15\mbox{ cm}^2.
        this.i++;
        if (isCh(this.peek(), '^')) {
          this.i++;
          this.parseExponentGroup();
        }
        continue;
      }
      if (t && ((t.k === 'word' && PERCENT_WORDS.has(t.v.toLowerCase())) || (t.k === 'text' && PERCENT_WORDS.has(t.v.trim().toLowerCase())))) {
        this.i++;
        const last = factors.pop()!;
        factors.push({ t: 'percent', arg: last });
        continue;
      }
      if (this.startsFactor(t)) {
        // Mixed number 918\frac{1}{2}: an integer directly followed by a fraction of integers.
        const prev = factors[factors.length - 1];
        const f = this.parsePostfix();
        if (factors.length === 1 && !dividing && prev.t === 'num' && !prev.decimal && prev.value.den === 1n && isMixedFraction(f)) {
          factors[0] = { t: 'add', args: [prev, f] };
          continue;
        }
        factors.push(f);
        continue;
      }
      break;
    }
    if (factors.length > 1 && factors.some((f) => f.t === 'text')) throw new ParseError('words inside an expression');
    return factors.length === 1 ? factors[0] : { t: 'mul', args: factors };
  }

  isUnitText(t: Tok): boolean {
    if (t.k === 'word') return UNITS.has(t.v.toLowerCase());
    if (t.k !== 'text') return false;
    const v = t.v.trim();
    if (v === '' || PERCENT_WORDS.has(v.toLowerCase())) return false;
    // Text after a number is a unit or a label (\text{ cm}, \text{ any text}); a bare number in \text is not.
    return !/^[-+]?[\d.,]+$/.test(v) && this.i > 0;
  }

  parseExponentGroup(): Node {
    const t = this.peek();
    if (isCh(t, '{')) {
      this.i++;
      const e = this.parseRelationUntil('}');
      return e;
    }
    if (isCh(t, '-')) {
      this.i++;
      return { t: 'neg', arg: this.parseSingle() };
    }
    return this.parseSingle();
  }

  parseRelationUntil(close: string): Node {
    const e = this.parseRelation();
    this.expectCh(close);
    return e;
  }

  /** One token's worth of argument (\frac12, \sqrt3, x^2): a digit, a letter, a command or a braced group. */
  parseSingle(): Node {
    const t = this.peek();
    if (t?.k === 'num' && !t.exact && /^\d{2,}$/.test(t.v)) {
      // \frac12 is \frac{1}{2}: a bare argument is one digit.
      this.toks.splice(this.i, 1, { k: 'num', v: t.v[0] }, { k: 'num', v: t.v.slice(1) });
    }
    return this.parseAtom();
  }

  parsePostfix(): Node {
    let base = this.parseAtom();
    while (true) {
      const t = this.peek();
      if (isCh(t, '^')) {
        this.i++;
        base = { t: 'pow', base, exp: this.parseExponentGroup() };
      } else if (isCh(t, '!')) {
        this.i++;
        base = { t: 'fn', name: 'fact', args: [base] };
      } else if (isCh(t, '%') || isCmd(t, '%')) {
        this.i++;
        base = { t: 'percent', arg: base };
      } else if (isCh(t, '_')) {
        // Subscript on a non-symbol (a number base 204_5): keep as text, compared literally.
        this.i++;
        const sub = this.parseExponentGroup();
        base = { t: 'text', value: `${show(base)}_${show(sub)}` };
      } else if (isCh(t, "'")) {
        this.i++;
        base = base.t === 'sym' ? { t: 'sym', name: base.name + "'" } : { t: 'fn', name: 'prime', args: [base] };
      } else break;
    }
    return base;
  }

  parseSymbol(name: string): Node {
    // Subscripted names (x_1, a_{37}, F_{n-k-1}) are one symbol named by their text.
    if (isCh(this.peek(), '_')) {
      this.i++;
      const sub = this.parseExponentGroup();
      return { t: 'sym', name: `${name}_${show(sub)}` };
    }
    return { t: 'sym', name };
  }

  parseFunctionArg(): Node {
    if (isCh(this.peek(), '(')) return this.parseAtom();
    // \sin 2x, \sin b \cos a: a run of non-function factors.
    const factors: Node[] = [this.parsePostfix()];
    while (true) {
      const t = this.peek();
      if (!t || !this.startsFactor(t) || (t.k === 'cmd' && (FUNCTIONS.has(t.v) || t.v === 'frac' || t.v === 'sqrt')) || (t.k === 'word' && FUNCTIONS.has(t.v))) break;
      if (t.k === 'ch' && (t.v === '(' || t.v === '[')) break;
      factors.push(this.parsePostfix());
    }
    return factors.length === 1 ? factors[0] : { t: 'mul', args: factors };
  }

  parseFunction(name: string): Node {
    let power: Node | null = null;
    let base: Node | null = null;
    for (let k = 0; k < 2; k++) {
      if (isCh(this.peek(), '^')) {
        this.i++;
        power = this.parseExponentGroup();
      } else if (isCh(this.peek(), '_')) {
        this.i++;
        base = this.parseExponentGroup();
      }
    }
    const arg = this.parseFunctionArg();
    let fnName = name === 'lg' ? 'log10' : name;
    if (power && power.t === 'neg' && power.arg.t === 'num' && power.arg.value.num === 1n && power.arg.value.den === 1n && ['sin', 'cos', 'tan'].includes(name)) {
      fnName = 'arc' + name;
      power = null;
    }
    const call: Node = { t: 'fn', name: fnName, args: base ? [arg, base] : [arg] };
    return power ? { t: 'pow', base: call, exp: power } : call;
  }

  parseAtom(): Node {
    const t = this.next();
    switch (t.k) {
      case 'num': {
        if (t.exact) return { t: 'num', value: t.exact, decimal: false, digits: 0 };
        const value = ratFromDecimal(t.v);
        if (!value) throw new ParseError(`bad number ${t.v}`);
        const decimal = t.v.includes('.') && !/\.0*$/.test(t.v);
        return { t: 'num', value, decimal, digits: t.v.replace(/^0*\.?0*/, '').replace('.', '').length };
      }
      case 'matrix':
        return { t: 'matrix', rows: t.rows.map((r) => r.map((cell) => parseExpression(cell))) };
      case 'text': {
        const v = t.v.trim();
        if (/^[-+]?\d+(\.\d+)?$/.test(v)) return parseExpression(v);
        if (/^\(?[A-Za-z]\)?$/.test(v)) return { t: 'sym', name: v.replace(/[()]/g, '') };
        return { t: 'text', value: v };
      }
      case 'word': {
        const w = t.v;
        if (w === 'pi') return { t: 'const', name: 'pi' };
        if (w === 'sqrt') return { t: 'fn', name: 'sqrt', args: [this.parseFunctionArg()] };
        if (w === 'inf' || w === 'infinity' || w === 'infty') return { t: 'const', name: 'inf' };
        if (FUNCTIONS.has(w)) return this.parseFunction(w);
        return { t: 'text', value: w };
      }
      case 'sep':
        throw new ParseError(`unexpected '${t.v}'`);
      case 'ch':
        return this.parseCharAtom(t.v);
      case 'cmd':
        return this.parseCommand(t.v);
    }
  }

  parseCharAtom(c: string): Node {
    if (/^[a-zA-Z]$/.test(c)) return this.parseSymbol(c);
    if (c === '(' || c === '[') {
      const items = this.parseItems((x) => isCh(x, ')') || isCh(x, ']'));
      const close = (this.next() as { v: string }).v as ')' | ']';
      if (items.length === 0) throw new ParseError('empty brackets');
      if (items.length === 1 && c === '(' && close === ')') return items[0];
      if (items.length === 1 && c === '[' && close === ']') return items[0];
      return { t: 'tuple', open: c, close, items };
    }
    if (c === '{') {
      const items = this.parseItems((x) => isCh(x, '}'));
      this.i++;
      if (items.length === 0) throw new ParseError('empty group');
      // Plain braces group; with commas inside they hold a bare list ({1,2,3} written without \{ \}).
      return items.length === 1 ? items[0] : { t: 'list', items, or: false };
    }
    if (c === '|') {
      this.absDepth++;
      const inner = this.parseAdd();
      this.absDepth--;
      this.expectCh('|');
      return { t: 'fn', name: 'abs', args: [inner] };
    }
    throw new ParseError(`unexpected '${c}'`);
  }

  parseBracedOrSingle(): Node {
    if (isCh(this.peek(), '{')) {
      this.i++;
      return this.parseRelationUntil('}');
    }
    return this.parseSingle();
  }

  parseCommand(name: string): Node {
    if (name === 'frac') {
      const num = this.parseBracedOrSingle();
      const den = this.parseBracedOrSingle();
      return { t: 'div', num, den };
    }
    if (name === 'sqrt') {
      let index: Node | null = null;
      if (isCh(this.peek(), '[')) {
        this.i++;
        index = this.parseRelationUntil(']');
      }
      // \sqrt(2) means √2 (the parenthesis is the argument), never "2" pulled out of broken LaTeX.
      const arg = isCh(this.peek(), '(') ? this.parseAtom() : this.parseBracedOrSingle();
      return index ? { t: 'fn', name: 'root', args: [arg, index] } : { t: 'fn', name: 'sqrt', args: [arg] };
    }
    if (name === 'binom' || name === 'dbinom' || name === 'tbinom') {
      const n = this.parseBracedOrSingle();
      const k = this.parseBracedOrSingle();
      return { t: 'fn', name: 'binom', args: [n, k] };
    }
    if (name === 'pi') return { t: 'const', name: 'pi' };
    if (name === 'infty' || name === 'infin') return { t: 'const', name: 'inf' };
    if (name === 'emptyset' || name === 'varnothing') return { t: 'set', items: [] };
    if (name === 'imath') return { t: 'const', name: 'i' };
    if (FUNCTIONS.has(name)) return this.parseFunction(name);
    if (name === '{') {
      const items = this.parseItems((x) => isCmd(x, '}'));
      this.i++;
      return { t: 'set', items };
    }
    if (name === '|' || name === 'lvert' || name === 'vert') {
      this.absDepth++;
      const inner = this.parseAdd();
      this.absDepth--;
      const close = this.next();
      if (!(isCh(close, '|') || isCmd(close, '|') || isCmd(close, 'rvert') || isCmd(close, 'vert'))) throw new ParseError('unclosed |');
      return { t: 'fn', name: 'abs', args: [inner] };
    }
    if (name === 'lfloor' || name === 'lceil') {
      const inner = this.parseAdd();
      const close = this.next();
      if (!(close.k === 'cmd' && (close.v === 'rfloor' || close.v === 'rceil'))) throw new ParseError('unclosed floor/ceil');
      return { t: 'fn', name: name === 'lfloor' ? 'floor' : 'ceil', args: [inner] };
    }
    if (name === 'sum' || name === 'prod' || name === 'int' || name === 'lim') {
      // Opaque operator: equal only when its bounds read the same and its body is equal.
      let bounds = name;
      for (let k = 0; k < 2; k++) {
        if (isCh(this.peek(), '_') || isCh(this.peek(), '^')) {
          const which = this.next() as { v: string };
          bounds += which.v + show(this.parseExponentGroup());
        }
      }
      const body = this.parseMul();
      return { t: 'fn', name: 'op:' + bounds, args: [body] };
    }
    if (GREEK.has(name)) return this.parseSymbol('\\' + name);
    if (STYLE_MATH.has(name)) {
      const inner = this.parseBracedOrSingle();
      return inner.t === 'sym' ? this.parseSymbol(`${name}{${inner.name}}`) : inner;
    }
    if (name === 'dots' || name === 'ldots' || name === 'cdots') throw new ParseError('ellipsis');
    throw new ParseError(`unsupported \\${name}`);
  }
}

function isMixedFraction(f: Node): boolean {
  return f.t === 'div' && f.num.t === 'num' && f.den.t === 'num' && !f.num.decimal && !f.den.decimal;
}

function tokText(t: Tok): string {
  return t.k === 'matrix' ? 'matrix' : t.k === 'cmd' ? '\\' + t.v : t.v;
}

/** Readable, canonical-ish text of a node (for reasons, subscripts and literal comparison). */
export function show(n: Node): string {
  switch (n.t) {
    case 'num':
      return n.decimal ? decimalText(n.value) : n.value.den === 1n ? n.value.num.toString() : `${n.value.num}/${n.value.den}`;
    case 'sym':
      return n.name;
    case 'const':
      return n.name === 'inf' ? '∞' : n.name === 'pi' ? 'π' : n.name;
    case 'add':
      return n.args.map((a, k) => (k > 0 && a.t !== 'neg' ? '+' : '') + show(a)).join('');
    case 'mul':
      return n.args.map((a) => wrap(a)).join('*');
    case 'neg':
      return '-' + wrap(n.arg);
    case 'div':
      return `${wrap(n.num)}/${wrap(n.den)}`;
    case 'pow':
      return `${wrap(n.base)}^${wrap(n.exp)}`;
    case 'fn':
      return `${n.name}(${n.args.map(show).join(',')})`;
    case 'pm':
      return `${n.a ? show(n.a) : ''}±${wrap(n.b)}`;
    case 'percent':
      return `${wrap(n.arg)}%`;
    case 'tuple':
      return `${n.open}${n.items.map(show).join(', ')}${n.close}`;
    case 'set':
      return `{${n.items.map(show).join(', ')}}`;
    case 'union':
      return n.args.map(show).join(' ∪ ');
    case 'ratio':
      return `${show(n.a)}:${show(n.b)}`;
    case 'rel':
      return n.args.map((a, k) => (k > 0 ? ` ${n.ops[k - 1]} ` : '') + show(a)).join('');
    case 'matrix':
      return `[${n.rows.map((r) => r.map(show).join(', ')).join('; ')}]`;
    case 'text':
      return n.value;
    case 'list':
      return n.items.map(show).join(n.or ? ' or ' : ', ');
  }
}

function wrap(n: Node): string {
  const s = show(n);
  return n.t === 'num' || n.t === 'sym' || n.t === 'const' || n.t === 'fn' || n.t === 'tuple' || n.t === 'set' ? s : `(${s})`;
}

function decimalText(r: Rational): string {
  // A written decimal has a power-of-ten denominator (after reduction: 2^a 5^b); print it back exactly.
  let k = 0;
  let scale = 1n;
  while ((r.num * scale) % r.den !== 0n && k < 60) {
    k++;
    scale *= 10n;
  }
  const neg = r.num < 0n;
  const digits = ((neg ? -r.num : r.num) * scale / r.den).toString().padStart(k + 1, '0');
  return (neg ? '-' : '') + (k > 0 ? `${digits.slice(0, -k)}.${digits.slice(-k)}` : digits);
}

/**
 * Plain-text number conventions the LaTeX grammar does not cover, applied to a whole answer: "1 000",
 * thousands commas outside brackets (7,425,000), and — only for answers taken from plain text — a decimal comma
 * (2,74).
 */
export function preprocessNumbers(s: string, plainText: boolean): string {
  let out = s.trim();
  if (/^[+-]?\d{1,3}( \d{3})+(\.\d+)?$/.test(out)) out = out.replace(/ /g, '');
  if (plainText && /^[+-]?\d+,\d+$/.test(out) && !/^[+-]?[1-9]\d{0,2}(,\d{3})+$/.test(out)) return out.replace(',', '.');
  // Thousands separators at bracket depth 0 only: (2,100) is a pair, 2,100 is 2100.
  return out.replace(/(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d])(?!,\d)/g, (m, at: number) => (depthAt(out, at) === 0 ? m.replace(/,/g, '') : m));
}

function depthAt(s: string, at: number): number {
  let depth = 0;
  for (let k = 0; k < at; k++) {
    const c = s[k];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return depth;
}

export function parseExpression(src: string, plainText = false): Node {
  const toks = tokenize(preprocessNumbers(src, plainText));
  if (toks.length === 0) throw new ParseError('empty answer');
  const node = new Parser(toks).parseTop();
  rejectEmbeddedText(node, true);
  return node;
}

/** Words stand alone (a text answer, a list item); words inside arithmetic mean the text was not math. */
function rejectEmbeddedText(n: Node, standalone: boolean): void {
  if (n.t === 'text') {
    if (!standalone) throw new ParseError(`words inside an expression: ${n.value}`);
    return;
  }
  const kids: Node[] =
    n.t === 'list' || n.t === 'set' || n.t === 'tuple' ? n.items
    : n.t === 'add' || n.t === 'mul' || n.t === 'union' || n.t === 'fn' || n.t === 'rel' ? n.args
    : n.t === 'neg' || n.t === 'percent' ? [n.arg]
    : n.t === 'div' ? [n.num, n.den]
    : n.t === 'pow' ? [n.base, n.exp]
    : n.t === 'ratio' ? [n.a, n.b]
    : n.t === 'pm' ? (n.a ? [n.a, n.b] : [n.b])
    : n.t === 'matrix' ? n.rows.flat()
    : [];
  const itemsStandalone = n.t === 'list' || n.t === 'set' || n.t === 'tuple' || (n.t === 'rel' && n.ops.every((o) => o === '=')) || n.t === 'matrix';
  for (const k of kids) rejectEmbeddedText(k, itemsStandalone);
}

