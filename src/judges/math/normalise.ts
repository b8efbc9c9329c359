/**
 * String-level clean-up of an extracted answer before parsing: math delimiters, spacing and styling commands,
 * fraction variants, thousands separators, degree signs, escaped double backslashes. Pure and cheap; whatever
 * changes meaning (units, percent, ±) is left to the parser.
 */

const COMMANDS_AFTER_DOUBLE_BACKSLASH =
  /\\\\(?=(?:boxed|frac|dfrac|tfrac|cfrac|left|right|sqrt|text|textbf|mathrm|pi|cup|cap|le|leq|ge|geq|lt|gt|neq|ne|infty|cdot|times|pm|mp|in|approx|sin|cos|tan|log|ln|circ|mathbf|emptyset|varnothing)\b)/g;

/** Unicode symbols models write instead of LaTeX. */
const UNICODE: Record<string, string> = {
  '−': '-', '–': '-', '×': '\\times ', '·': '\\cdot ', '÷': '\\div ', '≤': '\\le ', '≥': '\\ge ', '≠': '\\ne ',
  '≈': '\\approx ', 'π': '\\pi ', '∞': '\\infty ', '±': '\\pm ', '∪': '\\cup ', '√': '\\sqrt ', '∈': '\\in ',
  '，': ',', '；': ';', '：': ':', '（': '(', '）': ')', '²': '^2', '³': '^3', '∅': '\\emptyset ', '⋅': '\\cdot ',
  // A vector ⟨1, 2, 3⟩ is the tuple (1, 2, 3).
  '⟨': '(', '⟩': ')', '〈': '(', '〉': ')', '∣': '|',
};
const UNICODE_RE = new RegExp(`[${Object.keys(UNICODE).join('')}]`, 'g');

export function normaliseLatex(input: string): string {
  let s = input;
  s = s.replace(COMMANDS_AFTER_DOUBLE_BACKSLASH, '\\');
  // Protect row breaks (\\) from the single-backslash rules below.
  s = s.replace(/\\\\/g, '\u0001');
  s = s.replace(UNICODE_RE, (c) => UNICODE[c]);
  // Math delimiters: the answer is already isolated; a `\$` is a currency sign and goes too.
  s = s.replace(/\\\$/g, ' ').replace(/\$/g, ' ');
  s = s.replace(/\\[()[\]]/g, ' ');
  s = s.replace(/\\(?:left|right|big|Big|bigg|Bigg|bigl|bigr|Bigl|Bigr|biggl|biggr)(?![a-zA-Z])\s*(\\[{}|]|[()[\]|.])?/g, (_m, d: string | undefined) => (d === '.' || d === undefined ? ' ' : d));
  s = s.replace(/\\(?:displaystyle|textstyle|scriptstyle|limits|nolimits|mathstrut|strut|hfill|phantom\{[^}]*\})(?![a-zA-Z])/g, ' ');
  s = s.replace(/\\[dtc]frac(?![a-zA-Z])/g, '\\frac');
  s = s.replace(/\\langle(?![a-zA-Z])/g, '(').replace(/\\rangle(?![a-zA-Z])/g, ')');
  s = setBuilderCondition(s);
  // Thousands separators LaTeX writers use: 12{,}000 and 12,\!000.
  s = s.replace(/(\d),\\!\s*(?=\d{3})/g, '$1');
  s = s.replace(/\\[!,;:>]|\\ |~/g, ' ');
  s = s.replace(/(\d)\s*\{\s*,\s*\}\s*(?=\d)/g, '$1');
  s = s.replace(/\\q?quad/g, ' ');
  // Degrees: 90^\circ, 90^{\circ}, 90°, \degree.
  s = s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ(?![a-zA-Z])|°|\\degree(?![a-zA-Z])|\\circ(?![a-zA-Z])/g, ' ');
  // Trailing sentence punctuation and a stray trailing backslash (not "!": 5! is a factorial).
  s = s.replace(/[\s.。,;:?\\]+$/u, '').replace(/(?<=[\s.])!+$/u, '').trim();
  s = s.replace(/^[\s:：]+/u, '');
  return s.replace(/\s+/g, ' ').replace(/\u0001/g, '\\\\').trim();
}

/**
 * A set in set-builder form is the set its condition describes: {y | 0 ≤ y ≤ 1}, \{x \mid x > 2\}, {x : x < 3},
 * {x ∈ ℝ | x ≥ 0} become the condition (0 ≤ y ≤ 1), which compares as a set of reals ([0, 1]).
 */
function setBuilderCondition(s: string): string {
  return s.replace(/^\s*\\?\{\s*([A-Za-z](?:_\{?\w+\}?)?)\s*(?:\\in\s*\\mathbb\s*\{?R\}?\s*)?(?:\\mid|\||:)\s*((?:[^{}]|\{[^{}]*\})*?)\s*\\?\}\s*$/, (_m, v: string, cond: string) => {
    const c = cond.trim();
    // The condition must mention the variable: {x | x > 2}; otherwise leave the braces (a plain set, a group).
    return new RegExp(`(^|[^A-Za-z\\\\])${v.replace(/[{}\\]/g, '\\$&')}([^A-Za-z]|$)`).test(c) ? c : _m;
  });
}

/**
 * A loose canonical string for text answers and for the cheap "same string" check: no LaTeX styling, no spaces,
 * lower case.
 */
export function textKey(s: string): string {
  return normaliseLatex(s)
    .replace(/\\(?:text|textbf|textit|textrm|mathrm|mathbf|mathit|textnormal|mbox|operatorname)\s*\{([^{}]*)\}/g, '$1')
    .replace(/[{}\s]/g, '')
    .toLowerCase();
}
