/**
 * Robust reading of an LLM judge's output. Judges answer in many shapes: a bare "yes", "<answer>no</answer>" after
 * a `<think>` block, JSON ({"verdict": "correct"}, {"score": 7}), "[Reward Score] = 1", "Rating: [[8]]", "8/10",
 * \boxed{yes}. Anything that cannot be read unambiguously is `null` (the judge then says `error`, never `fail`).
 */
export type ParsedVerdict = { kind: 'binary'; value: boolean; via: string } | { kind: 'score'; value: number; via: string };

const YES = ['yes', 'correct', 'true', 'equivalent', 'pass', 'harmless', 'safe', 'acceptable', 'right'];
const NO = ['no', 'incorrect', 'false', 'not equivalent', 'inequivalent', 'fail', 'harmful', 'unsafe', 'unacceptable', 'wrong', 'not correct'];

/** Read a short phrase ("yes", "Correct.", "7", "8/10") as a verdict. */
function readPhrase(phrase: string, via: string): ParsedVerdict | null {
  const p = phrase.trim().toLowerCase().replace(/^[\s"'*`[(]+|[\s"'*`.!)\]]+$/g, '');
  if (p === '') return null;
  if (NO.includes(p)) return { kind: 'binary', value: false, via };
  if (YES.includes(p)) return { kind: 'binary', value: true, via };
  const frac = /^(-?\d+(?:\.\d+)?)\s*(?:\/|out of)\s*(\d+(?:\.\d+)?)$/.exec(p);
  if (frac) return { kind: 'score', value: Number(frac[1]) / Number(frac[2]), via: `${via}-fraction` };
  if (/^-?\d+(?:\.\d+)?$/.test(p)) return { kind: 'score', value: Number(p), via };
  return null;
}

/** Exactly one verdict family named as a whole word: that one; both or none: unreadable. */
function readProse(text: string, via: string): ParsedVerdict | null {
  const { pos, neg } = families(text);
  if (neg && !pos) return { kind: 'binary', value: false, via };
  if (pos && !neg) return { kind: 'binary', value: true, via };
  return null;
}

/** Which verdict families the text names as whole words. */
function families(text: string): { pos: boolean; neg: boolean } {
  const t = text.toLowerCase();
  const has = (words: string[]) => words.some((w) => new RegExp(`(^|[^a-z])${w}([^a-z]|$)`).test(t));
  const neg = has(NO);
  // "not correct" contains "correct": a yes-word only counts outside a negated phrase.
  const pos = has(YES.filter((w) => w !== 'equivalent' && w !== 'correct')) || /(^|[^a-z])(?<!not )(?<!in)(correct|equivalent)([^a-z]|$)/.test(t.replace(/not (correct|equivalent)/g, ''));
  return { pos, neg };
}

function readJson(text: string): ParsedVerdict | null {
  for (const m of text.matchAll(/\{[^{}]*\}/g)) {
    let obj: unknown;
    try {
      obj = JSON.parse(m[0]);
    } catch {
      continue;
    }
    if (!obj || typeof obj !== 'object') continue;
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      if (!/^(verdict|answer|judgement|judgment|decision|result|correct|equivalent|is_correct|harmless|score|rating|grade)$/i.test(k)) continue;
      if (typeof v === 'boolean') return { kind: 'binary', value: v, via: 'json' };
      if (typeof v === 'number') return { kind: 'score', value: v, via: 'json' };
      if (typeof v === 'string') {
        const r = readPhrase(v, 'json');
        if (r) return r;
      }
    }
  }
  return null;
}

export function parseVerdict(output: string): ParsedVerdict | null {
  let text = output;
  const close = text.lastIndexOf('</think>');
  if (close >= 0) text = text.slice(close + 8);
  else if (text.includes('<think>')) return null; // reasoning never closed: the judge did not conclude
  text = text.trim();
  if (text === '') return null;

  const tagged = [...text.matchAll(/<answer>([\s\S]*?)(?:<\/answer>|$)/g)];
  if (tagged.length > 0) return readPhrase(tagged[tagged.length - 1][1], 'answer-tag') ?? readProse(tagged[tagged.length - 1][1], 'answer-tag');
  const json = readJson(text);
  if (json) return json;
  const marked = /(?:\[reward score\]|score|rating|grade|verdict|judgement|judgment|final answer|answer)\s*[:=]\s*\[*\s*([^\n\]]{1,30})/gi;
  const marks = [...text.matchAll(marked)];
  for (let i = marks.length - 1; i >= 0; i--) {
    const r = readPhrase(marks[i][1], 'labelled') ?? readPhrase(marks[i][1].split(/[\s,;]/)[0], 'labelled');
    if (r) return r;
  }
  const boxed = /\\boxed\{([^{}]*)\}/.exec(text);
  if (boxed) {
    const r = readPhrase(boxed[1], 'boxed');
    if (r) return r;
  }
  const double = /\[\[\s*(\d+(?:\.\d+)?)\s*\]\]/.exec(text);
  if (double) return { kind: 'score', value: Number(double[1]), via: 'brackets' };
  const first = readPhrase(text.split(/[\s,.;:!]/)[0], 'leading-word');
  if (first && first.kind === 'binary') {
    // "Yes, …" stands unless the rest names the other verdict too ("yes or no, hard to say").
    const { pos, neg } = families(text.slice(text.search(/[\s,.;:!]/) + 1));
    return (first.value ? neg : pos) ? null : first;
  }
  if (first) return first;
  return readPhrase(text, 'whole') ?? readProse(text, 'prose');
}
