import { ParseError, type Node } from './ast.ts';
import { compareAnswers } from './compare.ts';
import { choiceOfReference, choiceOfResponse, extractAnswer, type Extraction } from './extract.ts';
import { normaliseLatex, textKey } from './normalise.ts';
import { parseExpression, show } from './parse.ts';
import { DEFAULT_MATH_POLICY, type MathPolicy } from './policy.ts';
import { ratEq, ratFromDecimal } from './rational.ts';
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

/**
 * Judge `answer` (the final-answer part of a response; for R1 output, what follows `</think>`) against
 * `reference` (a bare answer or a worked solution). Synchronous and pure; the worker pool adds the time limit.
 */
export function verifyMath(reference: string, answer: string, policy: MathPolicy = DEFAULT_MATH_POLICY): MathVerification {
  const ref = extractAnswer(reference);
  if (!ref || ref.text.trim() === '') return { verdict: 'error', category: 'unparseable_reference', reason: 'the reference has no answer that can be read', extracted: { reference: null, response: null } };
  const pred = answer.trim() === '' ? null : extractAnswer(answer);
  const extracted: MathVerification['extracted'] = { reference: ref.text, response: pred?.text ?? null };
  const refChoice = choiceOfReference(ref.text);
  if (refChoice) {
    const chosen = answer.trim() === '' ? null : choiceOfResponse(answer);
    if (chosen !== null || !/[=+*/^]/.test(answer)) {
      extracted.response = chosen;
      if (chosen === null) return { verdict: 'fail', category: 'no_answer', reason: `reference is option ${refChoice}; the response names no option`, extracted };
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
  let c = compareAnswers(refNode, predNode, policy);
  if (!c.equal) {
    const refAlt = alternativeReading(ref);
    const predAlt = alternativeReading(pred);
    for (const [r, p] of [[refAlt, predNode], [refNode, predAlt], [refAlt, predAlt]] as const) {
      if (!r || !p) continue;
      const alt = compareAnswers(r, p, policy);
      if (alt.equal) {
        c = { equal: true, reason: `${alt.reason} (reading "a,b" as a list)` };
        break;
      }
    }
  }
  return { verdict: c.equal ? 'pass' : 'fail', category: c.equal ? 'ok' : 'wrong_answer', reason: c.reason, extracted };
}
