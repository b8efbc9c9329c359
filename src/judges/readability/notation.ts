/**
 * Notation written without markup inside reasoning in another script: formulas (x + y = 5, a_n = 2n + 1), function
 * names (sin, cos, log, f(x), gcd), units after numbers (12 cm, 60 km/h), point and segment labels (AB, △ABC) and
 * Greek letter names. In a Chinese, Japanese or Korean derivation these are not words of another language: R1's
 * language reward counts the language of the prose, and a derivation full of formulas is not mixed-language.
 * Letters that are words (the, need, compute …) stay.
 */

const FUNCTION_NAMES =
  'sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|sinh|cosh|tanh|log|ln|lg|exp|max|min|gcd|lcm|mod|det|lim|sup|inf|sqrt|deg|rad|arg|sgn|Re|Im|tr|rank|dim|span|ker';
const GREEK =
  'alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|omicron|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega';
const UNITS =
  'mm|cm|dm|km|m|kg|mg|g|t|ml|mL|l|L|s|ms|min|h|hr|hrs|km\\/h|m\\/s|cm\\^?[23]?|m\\^?[23]?|mph|kWh|kW|W|V|A|Hz|kHz|MHz|GHz|Pa|kPa|N|J|kJ|cal|kcal|mol|K|°C|°F|rpm|dB|GB|MB|KB|TB|bit|bits|byte|bytes';

// Not '-': between letters it is a hyphen (well-known), and single-letter operands are no words anyway.
const OPERATOR = '[=+*/×÷<>≤≥≠≈^·∙±∓%|]';
const LATIN_TOKEN = "[A-Za-z][A-Za-z']*";

const PATTERNS: RegExp[] = [
  // A name with digits, subscripts or powers attached: 2x, 3ab, a_n, x^2, a1, x_{n+1}, v0.
  /[A-Za-z0-9]*(?:\d[A-Za-z]+|[A-Za-z]+\d|[A-Za-z]+\s*[_^]\s*\{?[A-Za-z0-9+\-]*\}?)[A-Za-z0-9_^{}]*/g,
  // Function calls and applied names: f(x), sin(x), g(2), P(A), gcd(12, 18).
  new RegExp(`${LATIN_TOKEN}(?=\\s*\\()`, 'g'),
  // Known function and operator names, and Greek letter names, anywhere.
  new RegExp(`(?<![A-Za-z])(?:${FUNCTION_NAMES}|${GREEK})(?![A-Za-z])`, 'gi'),
  // Units right after a number: 12 cm, 5kg, 60 km/h, 3 m^2.
  new RegExp(`(?<=\\d\\s?)(?:${UNITS})(?![A-Za-z])`, 'g'),
  // Letters next to an operator: x + y = 5, AB = 3, area = 12.
  new RegExp(`${LATIN_TOKEN}(?=\\s*${OPERATOR})|(?<=${OPERATOR}\\s*)${LATIN_TOKEN}`, 'g'),
  // Labels of points, segments, angles and figures: AB, ABC, ABCD, PQ (capitals only, at most 4).
  /(?<![A-Za-z])[A-Z]{1,4}(?![A-Za-z])/g,
];

/** The prose with notation blanked out (same length, so word offsets stay valid). */
export function withoutNotation(prose: string): string {
  if (!/[A-Za-z]/.test(prose)) return prose;
  let t = prose;
  for (const re of PATTERNS) t = t.replace(re, (m) => ' '.repeat(m.length));
  return t;
}
