/**
 * Competitive-programming output comparison: trailing whitespace on each line and trailing blank lines are
 * ignored; with `floatTolerance`, tokens that both parse as numbers may differ by that much (absolute or
 * relative, whichever is looser), the usual checker rule.
 */
export function outputsMatch(actual: string, expected: string, floatTolerance: number | null = null): boolean {
  const a = normalise(actual);
  const e = normalise(expected);
  if (a === e) return true;
  if (floatTolerance === null) return false;
  const at = a.split(/\s+/).filter(Boolean);
  const et = e.split(/\s+/).filter(Boolean);
  if (at.length !== et.length) return false;
  return at.every((t, i) => t === et[i] || numbersClose(t, et[i], floatTolerance));
}

function normalise(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .trimEnd();
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numbersClose(a: string, b: string, tol: number): boolean {
  if (!NUMBER.test(a) || !NUMBER.test(b)) return false;
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= tol * Math.max(1, Math.abs(y));
}
