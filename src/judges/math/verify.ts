import { ParseError, type Node } from './ast.ts';
import { compareAnswers, type Comparison } from './compare.ts';
import { choiceOfReference, choiceOfResponse, extractAnswer, optionsNamed, type Extraction } from './extract.ts';
import { normaliseLatex, textKey } from './normalise.ts';
import { parseExpression, show } from './parse.ts';
import { DEFAULT_MATH_POLICY, type MathPolicy } from './policy.ts';
import { ratEq, ratFromDecimal } from './rational.ts';
import { englishNumber, rewriteCjkNumbers, shiftDecimal } from './number-words.ts';
import { splitUnit, type Unit } from './units.ts';
import type { VerdictCategory } from '../../../schemas/verdict.ts';

/** What the math judge decided for one (reference, answer) pair, with what it read on each side. */
export interface MathVerification {
  verdict: 'pass' | 'fail' | 'error';
  /** Why, as a verdict category: ok, wrong_answer, no_answer, hedged, unit_mismatch, unparseable_reference, undecidable, timeout … */
  category: VerdictCategory;
  reason: string;
  extracted: { reference: string | null; response: string | null };
}

const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)$/;

/** "-2,1" in plain text reads as a list or as a decimal with a comma; both readings are kept. */
function alternativeReading(x: Extraction): Node | null {
  const t = x.text.trim();
  if (!/^[+-]?\d+,\d+$/.test(t) || /^[+-]?[1-9]\d{0,2},\d{3}$/.test(t)) return null;
  try {
    return parseExpression(t, false);
  } catch {
    return null;
  }
}

function parseSide(x: Extraction): { node: Node; read: string } | null {
  const plainText = (x.source === 'whole' || x.source === 'number' || x.source === 'phrase' || x.source === 'gsm8k') && !/[\\$]/.test(x.text);
  for (const [candidate, plain] of [[x.text, plainText], [x.fallback, true]] as const) {
    if (candidate === null) continue;
    try {
      const node = parseExpression(normaliseLatex(candidate), plain);
      return { node, read: show(node) };
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
    }
  }
  return null;
}

const WORDY = /[a-zA-Z\u3400-\u9fff]/;
const MULTIPLIER_WORDS: Record<string, number> = { hundred: 2, thousand: 3, million: 6, billion: 9, trillion: 12 };

/**
 * Numbers in words or CJK numerals as digits: "2万" → 20000, "三分之一" → \frac{1}{3}, "2 million" → 2000000,
 * "twenty-five" → 25. Text without such numbers comes back unchanged.
 */
export function spellNumbers(text: string): string {
  // Words and numerals need letters or CJK characters: most answers (digits, LaTeX numbers) have neither.
  if (!WORDY.test(text)) return text;
  let s = rewriteCjkNumbers(text);
  s = s.replace(/(?<![\d.])(\d+(?:\.\d+)?)\s+(hundred|thousand|million|billion|trillion)\b/gi, (_m, x: string, w: string) => shiftDecimal(x, MULTIPLIER_WORDS[w.toLowerCase()]));
  return englishNumber(s) ?? s;
}

/** The single-letter variables of a problem, in the order they first appear in its math ($x$, \\(y\\)) or text. */
export function problemVariables(question: string): string[] {
  const math = [...question.matchAll(/\$\$([\s\S]+?)\$\$|\$([^$]+)\$|\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]).join(' ');
  const source = math.trim() !== '' ? math.replace(/\\[A-Za-z]+/g, ' ') : question.replace(/\b(?:a|I|A)\b/g, ' ');
  const out: string[] = [];
  for (const m of source.matchAll(/(?<![A-Za-z\\])([A-Za-z])(?![A-Za-z])/g)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

const withText = (x: Extraction, text: string): Extraction => (text === x.text ? x : { ...x, text, fallback: x.fallback === null ? null : spellNumbers(x.fallback) });

function scaled(value: Node, unit: Unit): Node {
  return { t: 'mul', args: [value, parseExpression(unit.factor)] };
}

const SCALAR_KINDS = new Set(['num', 'sym', 'const', 'add', 'mul', 'neg', 'div', 'pow', 'fn']);

/**
 * Answers with units. Both sides with units: another dimension is a unit mismatch (5 m vs 5 s); the same dimension
 * converts (50 mm = 5 cm, 180 minutes = 3 hours), and the same number in another unit is a unit mismatch (5 m vs
 * 5 cm). Degrees against a bare radian expression with π convert (30° = π/6). Null when units do not decide: then the
 * parser reads the answer as before (a unit on one side only is dropped: 10 cm = 10).
 */
function compareUnits(ref: Extraction, pred: Extraction, policy: MathPolicy, extracted: MathVerification['extracted']): MathVerification | null {
  const ru = splitUnit(ref.text);
  const pu = splitUnit(pred.text);
  if (!ru && !pu) return null;
  const said = (x: { value: string; unit: Unit }) => `${x.value} ${x.unit.text}`;
  if (ru && pu && ru.unit.dimension !== pu.unit.dimension) {
    return { verdict: 'fail', category: 'unit_mismatch', reason: `units differ: ${said(ru)} is ${ru.unit.dimension}, ${said(pu)} is ${pu.unit.dimension}`, extracted };
  }
  const radians = (x: Extraction) => /\\pi|π|\bpi\b/.test(x.text);
  const degreesAgainstRadians = (u: typeof ru, other: Extraction) => u !== null && u.unit.dimension === 'angle' && u.unit.factor !== '1' && radians(other) && splitUnit(other.text) === null;
  if (!(ru && pu) && !degreesAgainstRadians(ru, pred) && !degreesAgainstRadians(pu, ref)) return null;
  const rv = parseSide(ru ? { ...ref, text: ru.value } : ref);
  const pv = parseSide(pu ? { ...pred, text: pu.value } : pred);
  if (!rv || !pv || !SCALAR_KINDS.has(rv.node.t) || !SCALAR_KINDS.has(pv.node.t)) return null;
  const sameFactor = ru && pu && ru.unit.factor === pu.unit.factor;
  const c: Comparison = sameFactor ? compareAnswers(rv.node, pv.node, policy) : compareAnswers(ru ? scaled(rv.node, ru.unit) : rv.node, pu ? scaled(pv.node, pu.unit) : pv.node, policy);
  const sides = `${ru ? said(ru) : ref.text} vs ${pu ? said(pu) : pred.text}`;
  if (c.equal === true) return { verdict: 'pass', category: 'ok', reason: `${sides}: equal after converting units`, extracted };
  if (c.equal === null) return { verdict: 'error', category: 'undecidable', reason: `undecidable: ${sides}: ${c.reason}`, extracted };
  if (!sameFactor && compareAnswers(rv.node, pv.node, policy).equal === true) {
    return { verdict: 'fail', category: 'unit_mismatch', reason: `${sides}: the same number in another unit`, extracted };
  }
  return { verdict: 'fail', category: 'wrong_answer', reason: `${sides}: ${c.reason}${sameFactor ? '' : ' (after converting units)'}`, extracted };
}

/**
 * Judge `answer` (the final-answer part of a response; for R1 output, what follows `</think>`) against
 * `reference` (a bare answer or a worked solution). Synchronous and pure; the worker pool adds the time limit.
 */
export function verifyMath(reference: string, answer: string, policy: MathPolicy = DEFAULT_MATH_POLICY, question?: string): MathVerification {
  let ref = extractAnswer(reference);
  if (!ref || ref.text.trim() === '') return { verdict: 'error', category: 'unparseable_reference', reason: 'the reference has no answer that can be read', extracted: { reference: null, response: null } };
  let pred = answer.trim() === '' ? null : extractAnswer(answer);
  const extracted: MathVerification['extracted'] = { reference: ref.text, response: pred?.text ?? null };
  const refChoice = choiceOfReference(ref.text);
  if (refChoice) {
    const chosen = answer.trim() === '' ? null : choiceOfResponse(answer);
    if (chosen !== null || !/[=+*/^]/.test(answer)) {
      extracted.response = chosen;
      if (chosen === null) return { verdict: 'fail', category: 'no_answer', reason: `reference is option ${refChoice}; the response names no option`, extracted };
      const named = optionsNamed(answer);
      if (named.length > 1) {
        extracted.response = named.join(', ');
        return { verdict: 'fail', category: 'hedged', reason: `the response names ${named.length} options (${named.join(', ')}); the reference is option ${refChoice}`, extracted };
      }
      return chosen === refChoice
        ? { verdict: 'pass', category: 'ok', reason: `option ${chosen}`, extracted }
          : { verdict: 'fail', category: 'wrong_answer', reason: `response chose ${chosen}, reference is ${refChoice}`, extracted };
    }
  }

  if (!pred) return { verdict: 'fail', category: 'no_answer', reason: 'the response has no final answer', extracted };

  if (policy.rejectHedges && pred.otherBoxed.length > 0) {
    // Earlier boxes that restate parts of the final answer (\boxed{-2} … \boxed{1} … \boxed{-2, 1}) are no hedge.
    const finalKeys = new Set([textKey(pred.text), ...pred.text.split(/,|\\text\{\s*and\s*\}|\band\b/).map(textKey)]);
    const different = pred.otherBoxed.filter((b) => !finalKeys.has(textKey(b)));
    if (different.length > 0) {
      return { verdict: 'fail', category: 'hedged', reason: `the response hedges: boxed ${different.map((b) => JSON.stringify(b)).join(', ')} before the final ${JSON.stringify(pred.text)}`, extracted };
    }
  }

  // Numbers in words and CJK numerals, then units.
  ref = withText(ref, spellNumbers(ref.text));
  pred = withText(pred, spellNumbers(pred.text));
  const byUnits = compareUnits(ref, pred, policy, extracted);
  if (byUnits) return byUnits;

  // Fast path: two plain numbers compare exactly without the parser.
  const a = normaliseLatex(ref.text);
  const b = normaliseLatex(pred.text);
  if (PLAIN_NUMBER.test(a) && PLAIN_NUMBER.test(b)) {
    const same = ratEq(ratFromDecimal(a)!, ratFromDecimal(b)!);
    return same ? { verdict: 'pass', category: 'ok', reason: `${a} = ${b}`, extracted } : { verdict: 'fail', category: 'wrong_answer', reason: `${a} ≠ ${b}`, extracted };
  }

  const refParsed = parseSide(ref);
  let refNode: Node;
  if (refParsed) refNode = refParsed.node;
  else if (ref.text.length <= 80) refNode = { t: 'text', value: ref.text };
  else return { verdict: 'error', category: 'unparseable_reference', reason: `the reference answer cannot be parsed: ${JSON.stringify(ref.text.slice(0, 120))}`, extracted };
  const predParsed = parseSide(pred);
  const predNode: Node = predParsed ? predParsed.node : { t: 'text', value: pred.text };
  let c = compareAnswers(refNode, predNode, policy, question ? problemVariables(question) : []);
  if (c.equal !== true) {
    const refAlt = alternativeReading(ref);
    const predAlt = alternativeReading(pred);
    for (const [r, p] of [[refAlt, predNode], [refNode, predAlt], [refAlt, predAlt]] as const) {
      if (!r || !p) continue;
      const alt = compareAnswers(r, p, policy);
      if (alt.equal === true) {
        c = { equal: true, reason: `${alt.reason} (reading "a,b" as a list)` };
        break;
      }
    }
  }
  if (c.equal === null) return { verdict: 'error', category: 'undecidable', reason: `undecidable: ${c.reason}`, extracted };
  return { verdict: c.equal ? 'pass' : 'fail', category: c.equal ? 'ok' : c.hedged ? 'hedged' : 'wrong_answer', reason: c.reason, extracted };
}
