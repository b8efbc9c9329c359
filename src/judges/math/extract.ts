/**
 * Final-answer extraction from a response's answer part (what follows `</think>`) or from a reference (a bare
 * answer or a whole worked solution). Priority: <answer> block, last \boxed group, GSM8K `####`, an answer phrase
 * ("the final answer is", "答案是", "A:"), the last LaTeX math segment, the whole text, the last number.
 */

export type AnswerSource = 'answer-tag' | 'boxed' | 'gsm8k' | 'phrase' | 'latex' | 'whole' | 'number';

export interface Extraction {
  /** The answer text to parse. */
  text: string;
  source: AnswerSource;
  /** When parsing `text` fails: the last number of it (plain-text answers like "il a 79 g de cire"). */
  fallback: string | null;
  /** Other, different boxed answers given before the final one (a hedge in a response). */
  otherBoxed: string[];
  /** Earlier boxed answers the response explicitly corrected before its final one (not a hedge). */
  corrected?: string[];
}

interface Boxed {
  content: string;
  start: number;
  end: number;
}

/** Every \boxed{…} / \fbox{…} with nested braces; also `\boxed 5`. */
export function findBoxed(text: string): Boxed[] {
  const out: Boxed[] = [];
  const re = /\\(?:boxed|fbox)\s*/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    let i = m.index + m[0].length;
    if (text[i] === '{') {
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        const c = text[j];
        if (c === '\\') {
          j++;
          continue;
        }
        if (c === '{') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      if (j >= text.length) continue; // unclosed: truncated output
      out.push({ content: text.slice(i + 1, j), start: m.index, end: j + 1 });
      re.lastIndex = j + 1;
    } else {
      const single = /^[^\s$\\]+/.exec(text.slice(i));
      if (single) out.push({ content: single[0], start: m.index, end: i + single[0].length });
    }
  }
  return out;
}

/** Text between two boxes that still makes them one answer: commas, "and", \quad, \text{ and }, "y_2 =". */
function isSeparator(between: string): boolean {
  if (between.length > 80) return false;
  const rest = between
    .replace(/\\text\{[^{}]*\}/g, ' ')
    .replace(/\\q?quad|\\[,;!: ]|\\\(|\\\)|\\\[|\\\]|\$|\\\\/g, ' ')
    .replace(/[A-Za-z](?:_\{?\w+\}?)?\s*=/g, ' ')
    .replace(/[\s,;.:+&]+/g, ' ')
    .trim();
  if (rest === '') return true;
  // Connectives, plus at most one other word when a connective is there ("\boxed{1} papers and \boxed{2}").
  const words = rest.split(' ');
  const connective = (w: string) => /^(and|or|和|或|以及|et|y|und)$/i.test(w);
  const others = words.filter((w) => !connective(w));
  const discourse = /^(finally|then|so|thus|hence|therefore|but|hmm|wait|actually|maybe|no|not|also|again|check|verify)$/i;
  return others.length === 0 || (others.length === 1 && !discourse.test(others[0]) && words.some(connective));
}

/** Words that retract an earlier answer: "Wait, I forgot …", "Correction:", "I made a mistake", "不对，应该是". */
const CORRECTION =
  /\b(?:wait|actually|correction|corrected|correcting|mistake|made an error|an error|miscalculat\w*|wrong|incorrect|redo|re-?calculat\w*|recomput\w*|re-?evaluat\w*|on second thought|oops|scratch that|i forgot|forgot to|let me fix|fix(?:ed)? (?:this|that|it)|revis\w*|should (?:have been|be))\b|不对|错了|有误|更正|纠正|修正|重新计算|应该是|忘了/i;
/** Words that leave the final answer undecided: "maybe", "or perhaps", "I am not sure", "也可能". */
const UNDECIDED = /\b(?:maybe|perhaps|possibly|not sure|unsure|either|can'?t decide|cannot decide|undecided|could also be|might be|or rather)\b|不确定|也可能|或许|可能是/i;

/**
 * The last run of boxes joined only by separators, as one answer ("a, b, c"), plus the other box contents. An
 * earlier box that the text after it explicitly corrects ("Wait, I forgot the last step. Corrected answer: \boxed{15}")
 * is `corrected`, not a hedge, unless the response ends undecided (a "maybe" or "not sure" after the last
 * correction, or a "?" right after the final box).
 */
function lastBoxedGroup(text: string): { answer: string; others: string[]; corrected: string[]; end: number } | null {
  const boxes = findBoxed(text);
  if (boxes.length === 0) return null;
  let first = boxes.length - 1;
  const end = boxes[boxes.length - 1].end;
  while (first > 0 && isSeparator(text.slice(boxes[first - 1].end, boxes[first].start))) first--;
  const group = boxes.slice(first);
  const joiner = group.length > 1 && /\bor\b|或/.test(text.slice(group[0].end, group[group.length - 1].start)) ? ' or ' : ', ';
  const earlier = boxes.slice(0, first);
  const start = group[0].start;
  const retracts = (b: Boxed) => {
    const between = text.slice(b.end, start);
    const at = between.search(CORRECTION);
    if (at < 0) return false;
    // Undecided after the correction, or a question mark right after the final box.
    return !UNDECIDED.test(between.slice(at) + text.slice(start, end)) && !UNDECIDED.test(text.slice(end)) && !/^\s*\$*\s*\?/.test(text.slice(end));
  };
  const corrected = earlier.filter(retracts).map((b) => b.content);
  const others = earlier.filter((b) => !retracts(b)).map((b) => b.content);
  return { answer: group.map((b) => b.content).join(joiner), others, corrected, end };
}

/** Math segments $$…$$, \[…\], $…$, \(…\) in reading order (inline ones may not span lines). */
function mathSegments(text: string): { bodies: string[]; end: number } {
  const out: { at: number; end: number; body: string }[] = [];
  const re = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([^\n]+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)(?<!\\)\$/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push({ at: m.index, end: m.index + m[0].length, body: (m[1] ?? m[2] ?? m[3] ?? m[4]).trim() });
  const segs = out.filter((x) => x.body !== '');
  if (segs.length === 0) return { bodies: [], end: -1 };
  // The last run of segments joined by separators is one answer: "$1$ and $2$ and $3$", "$21,16$ or $11$".
  let first = segs.length - 1;
  while (first > 0 && isSeparator(text.slice(segs[first - 1].end, segs[first].at))) first--;
  const run = segs.slice(first);
  const joiner = run.length > 1 && /\bor\b/.test(text.slice(run[0].end, run[run.length - 1].at)) ? ' or ' : ', ';
  return { bodies: [...segs.slice(0, first).map((x) => x.body), run.map((x) => x.body).join(joiner)], end: run[run.length - 1].end };
}

/** Index just past the last number that stands outside math segments, or -1. */
function lastPlainNumberEnd(text: string): number {
  const blanked = text.replace(/\$\$[\s\S]+?\$\$|\\\[[\s\S]+?\\\]|\\\([^\n]+?\\\)|(?<!\\)\$(?:\\\$|[^$\n])+?(?<!\\)\$/g, (m) => ' '.repeat(m.length));
  let end = -1;
  for (const m of blanked.matchAll(NUMBER)) end = m.index! + m[0].length;
  return end;
}

const NUMBER = /(?<![A-Za-z])-?\\frac\{\d+\}\{\d+\}|(?<![A-Za-z\d])-?\d[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+)?%?|(?<![A-Za-z\d])-?\.\d+%?/g;

/** The last number in plain text; thousands commas kept for the parser, a trailing comma dropped. */
export function lastNumber(text: string, first = false): string | null {
  const clean = text.replace(/\\!|\{,\}/g, '').replace(/(\d),(?=\s|$)/g, '$1');
  const all = clean.match(NUMBER);
  if (!all) return null;
  return all[first ? 0 : all.length - 1].replace(/,$/, '');
}

const PHRASES = [
  /(?:final\s+answer|the\s+answer|answer)\s*(?:is|:|=|would\s+be|should\s+be)\s*:?/gi,
  /(?:答案|最终答案|最终结果|结果)\s*(?:是|为|:|：)?/g,
  /(?:la\s+)?r[ée]ponse\s*(?:est|:)\s*:?|respuesta\s*(?:es|:)|antwort\s*(?:ist|:)/gi,
  /(?:^|\n)\s*A\s*:/g,
];

function afterLastPhrase(text: string): { text: string; at: number } | null {
  let best = -1;
  let bestEnd = -1;
  for (const re of PHRASES) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      if (m.index >= best) {
        best = m.index;
        bestEnd = m.index + m[0].length;
      }
    }
  }
  if (best < 0) return null;
  let rest = text.slice(bestEnd);
  // Up to the end of the sentence or line.
  const stop = /\n|[.。!?](?=\s+[A-Z\u4e00-\u9fff]|\s*$)|。|\s+I hope/.exec(rest);
  if (stop) rest = rest.slice(0, stop.index);
  rest = rest.trim();
  return rest === '' ? null : { text: rest, at: best };
}

function fromFragment(fragment: string, source: AnswerSource): Extraction {
  const segs = mathSegments(fragment);
  if (segs.bodies.length > 0 && lastPlainNumberEnd(fragment) <= segs.end) {
    const text = segs.bodies[segs.bodies.length - 1];
    return { text, source, fallback: lastNumber(text), otherBoxed: [] };
  }
  const text = fragment.replace(/\*\*/g, '').trim();
  // After "the answer is", the first number is the answer ("220 $ à payer d'ici 12 mois"); a number after the
  // last math segment beats the segment ("the volume of $ABCD$ is 120").
  const fallback = segs.bodies.length > 0 ? lastNumber(fragment.slice(segs.end)) : lastNumber(text, source === 'phrase');
  return { text: segs.bodies.length > 0 ? (fallback ?? text) : text, source, fallback, otherBoxed: [] };
}

export function extractAnswer(input: string): Extraction | null {
  let text = input.replace(/\r\n/g, '\n').replace(/\\\\(?=boxed)/g, '\\');
  const tag = text.lastIndexOf('<answer>');
  if (tag >= 0) {
    const close = text.indexOf('</answer>', tag);
    const inner = text.slice(tag + 8, close < 0 ? undefined : close).trim();
    if (inner !== '') {
      const nested = extractAnswer(inner);
      if (nested && nested.source === 'boxed') return nested;
      return fromFragment(inner, 'answer-tag');
    }
    text = text.slice(0, tag);
  }
  const boxed = lastBoxedGroup(text);
  const phrase = afterLastPhrase(text);
  // The last statement of the answer wins: "… \boxed{255} … The final answer is $10,455$."
  if (boxed && (!phrase || phrase.at < boxed.end || !/[\d$\\]/.test(phrase.text))) return { text: boxed.answer, source: 'boxed', fallback: lastNumber(boxed.answer), otherBoxed: boxed.others, corrected: boxed.corrected };
  const gsm = text.lastIndexOf('####');
  if (gsm >= 0) {
    const line = text.slice(gsm + 4).split('\n')[0].trim();
    if (line !== '') return { text: line, source: 'gsm8k', fallback: lastNumber(line), otherBoxed: [] };
  }
  if (phrase) return fromFragment(phrase.text, 'phrase');
  const segs = mathSegments(text);
  if (segs.bodies.length > 0 && (lastPlainNumberEnd(text) <= segs.end || text.length <= 200)) {
    const last = segs.bodies[segs.bodies.length - 1];
    return { text: last, source: 'latex', fallback: lastNumber(last), otherBoxed: [] };
  }
  const trimmed = text.trim();
  if (trimmed === '') return null;
  // An unclosed inline $ (e.g. an answer split over lines) is not an answer; never pull numbers out of it.
  if (/(?<!\\)\$[ \t]*\n|\\\([ \t]*\n/.test(trimmed)) return null;
  const num = lastNumber(trimmed);
  if (trimmed.length <= 200 && !/(?<!\\)[.。!?]\s+[A-Z\u4e00-\u9fff]/.test(trimmed)) return { text: trimmed, source: 'whole', fallback: num, otherBoxed: [] };
  return num === null ? null : { text: num, source: 'number', fallback: null, otherBoxed: [] };
}

// ---------- multiple choice ----------

function plain(s: string): string {
  return s
    .replace(/\\(?:text|textbf|mathrm|mathbf|textnormal|mbox|boxed)\s*\{([^{}]*)\}/g, '$1')
    .replace(/\$|\\\(|\\\)|\\\[|\\\]|\*\*/g, ' ')
    .trim();
}

/** A reference that names an option: "C", "(C)", "\text{(C)}", "(D) Alina", "C Cecile". */
export function choiceOfReference(extracted: string): string | null {
  const s = plain(extracted);
  const m = /^\(?([A-Z])\)?(?:\s*$|\s+[A-Z][a-z]+|\)\s+\S)/.exec(s) ?? /^\(([A-Z])\)\s*\S/.exec(s);
  return m ? m[1] : null;
}

/** The option letter a response chooses, or null. */
export function choiceOfResponse(answerPart: string): string | null {
  const boxes = findBoxed(answerPart);
  if (boxes.length > 0) {
    const m = /^\(?([A-Z])\)?(?:[.:)\s]|$)/.exec(plain(boxes[boxes.length - 1].content));
    if (m) return m[1];
  }
  const s = plain(answerPart);
  const anchored = [...s.matchAll(/(?:answer|option|choice|r[ée]ponse|respuesta|antwort|答案|选项)\s*(?:is|est|es|ist|:|：|是|为)?\s*(?:for\s+sure|definitely|probably|likely|clearly)?\s*[:：]?\s*\(?([A-Z])\)?(?![A-Za-z])/gi)];
  const upper = anchored.filter((m) => /[A-Z]/.test(m[1]));
  if (upper.length > 0) return upper[upper.length - 1][1];
  const lead = /^\(?([A-Z])\)?(?=[.。:：),\s]|$|[^\x00-\x7F])/.exec(s);
  if (lead) return lead[1];
  if (/[=+*/^]/.test(s)) return null;
  const alone = [...s.matchAll(/(?<![A-Za-z])([A-HJ-Z])(?![A-Za-z])/g)];
  return alone.length > 0 ? alone[alone.length - 1][1] : null;
}

const OPTION_LIST = /^(?:both|either|options?|choices?|选项)?\s*\(?([A-Z])\)?((?:\s*(?:,|，|、|;|&|\/|\band\b|\bor\b|\band\/or\b|和|或|及|以及|与)\s*(?:options?\s+|choices?\s+)?\(?[A-Z]\)?(?![A-Za-z]))+)/;

/**
 * The option letters the final statement names when it names more than one: "B, C", "A or C", "both A and C",
 * "\boxed{A, C}", "答案是 A 或 C". An answer that names two options hedges, even when one of them is right.
 */
export function optionsNamed(answerPart: string): string[] {
  const boxes = findBoxed(answerPart);
  let statement: string;
  if (boxes.length > 0) statement = plain(boxes[boxes.length - 1].content);
  else {
    const s = plain(answerPart);
    const anchors = [...s.matchAll(/(?:answers?|options?|choices?|r[ée]ponse|答案|选项)\s*(?:is|are|est|:|：|是|为)?\s*(?:both|either)?\s*[:：]?\s*/gi)];
    const last = anchors[anchors.length - 1];
    statement = last ? s.slice(last.index! + last[0].length) : s.length <= 60 ? s : '';
  }
  const m = OPTION_LIST.exec(statement.trim());
  if (!m) return [];
  const letters = [m[1], ...[...m[2].matchAll(/(?<![A-Za-z])([A-Z])(?![A-Za-z])/g)].map((x) => x[1])];
  return [...new Set(letters)];
}
