/**
 * The scale bench's code share: HumanEval-style problems made from templates (a function to write, `check`
 * assertions on its results, the entry point), each with its canonical solution and a wrong one, so that the
 * synthetic teacher can replay R1-like answers that pass, fail, crash or do not compile. Constants vary with the
 * problem number, as the math prompts' numbers do, so near-dedupe treats them like real distinct problems.
 */

export interface CodeProblem {
  id: string;
  domain: 'code';
  prompt: string;
  language: 'python';
  /** HumanEval's `test` (defines check(candidate)) and `entry_point`. */
  test: string;
  entry_point: string;
  /** Whole functions (header and body): the canonical one, and one that returns a wrong value. */
  solution: string;
  wrong: string;
}

interface Template {
  name: string;
  describe: (k: number[]) => string;
  params: (k: number[]) => string;
  body: (k: number[]) => string;
  wrongBody: (k: number[]) => string;
  inputs: (k: number[]) => unknown[][];
  run: (k: number[], ...args: any[]) => unknown;
}

const py = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(py).join(', ')}]` : String(v));

const TEMPLATES: Template[] = [
  {
    name: 'scaled_sum',
    describe: ([a, b]) => `returns ${a} times the sum of the integers in \`xs\`, plus ${b}`,
    params: () => 'xs',
    body: ([a, b]) => `    return ${a} * sum(xs) + ${b}`,
    wrongBody: ([a, b]) => `    return ${a} * sum(xs[1:]) + ${b}`,
    inputs: ([a]) => [[[1, 2, 3]], [[]], [[a, -4, 7, 10]], [[100, 200]]],
    run: ([a, b], xs: number[]) => a! * xs.reduce((s, x) => s + x, 0) + b!,
  },
  {
    name: 'count_multiples',
    describe: ([k]) => `returns how many integers in \`xs\` are multiples of ${k}`,
    params: () => 'xs',
    body: ([k]) => `    return sum(1 for x in xs if x % ${k} == 0)`,
    wrongBody: ([k]) => `    return sum(1 for x in xs if x % ${k} == 1)`,
    inputs: ([k]) => [[[1, 2, 3, 4, 5, 6]], [[]], [[k, 2 * k!, 3 * k! + 1, 0]], [Array.from({ length: 30 }, (_, i) => i * 7)]],
    run: ([k], xs: number[]) => xs.filter((x) => x % k! === 0).length,
  },
  {
    name: 'rotate_left',
    describe: ([k]) => `returns the string \`s\` rotated left by ${k} characters (by ${k} modulo its length; the empty string stays empty)`,
    params: () => 's',
    body: ([k]) => `    if not s:\n        return s\n    n = ${k} % len(s)\n    return s[n:] + s[:n]`,
    wrongBody: ([k]) => `    if not s:\n        return s\n    n = ${k} % len(s)\n    return s[:n] + s[n:]`,
    inputs: () => [['abcdef'], [''], ['distillery'], ['xy']],
    run: ([k], s: string) => (s ? s.slice(k! % s.length) + s.slice(0, k! % s.length) : s),
  },
  {
    name: 'quadratic_terms',
    describe: ([a, b, c]) => `returns the list of the first \`n\` values of ${a}·i² + ${b}·i + ${c} for i = 0, 1, …`,
    params: () => 'n',
    body: ([a, b, c]) => `    return [${a} * i * i + ${b} * i + ${c} for i in range(n)]`,
    wrongBody: ([a, b, c]) => `    return [${a} * i * i + ${b} * i + ${c} for i in range(1, n + 1)]`,
    inputs: () => [[0], [1], [5], [12]],
    run: ([a, b, c], n: number) => Array.from({ length: n }, (_, i) => a! * i * i + b! * i + c!),
  },
  {
    name: 'sorted_above',
    describe: ([k]) => `returns the integers of \`xs\` greater than ${k}, in increasing order`,
    params: () => 'xs',
    body: ([k]) => `    return sorted(x for x in xs if x > ${k})`,
    wrongBody: ([k]) => `    return sorted(x for x in xs if x >= ${k})`,
    inputs: ([k]) => [[[k, k! + 1, k! - 1, k! + 5]], [[]], [[9, 3, 27, 81, 1]], [Array.from({ length: 20 }, (_, i) => (i * 37) % 50)]],
    run: ([k], xs: number[]) => xs.filter((x) => x > k!).sort((p, q) => p - q),
  },
  {
    name: 'digit_sum_mod',
    describe: ([m]) => `returns the sum of the decimal digits of the non-negative integer \`n\`, modulo ${m}`,
    params: () => 'n',
    body: ([m]) => `    total = 0\n    while n > 0:\n        total += n % 10\n        n //= 10\n    return total % ${m}`,
    wrongBody: ([m]) => `    total = 0\n    while n > 9:\n        total += n % 10\n        n //= 10\n    return total % ${m}`,
    inputs: () => [[0], [7], [12345], [9999999999]],
    run: ([m], n: number) => String(n).split('').reduce((s, d) => s + Number(d), 0) % m!,
  },
];

// Words for each problem's setting, so that two problems of one template differ in more than a constant (near-dedupe
// would rightly call those duplicates).
const FIELDS = ['warehouse', 'sensor', 'ledger', 'survey', 'tournament', 'library', 'orchard', 'railway', 'clinic', 'harbor', 'bakery', 'observatory', 'garage'];
const THINGS = ['crates', 'readings', 'invoices', 'answers', 'scores', 'loans', 'baskets', 'tickets', 'visits', 'ships', 'loaves', 'stars', 'repairs', 'parcels', 'votes', 'shifts', 'orders'];

/** Problem number i (deterministic): template i mod 6, constants and setting from i. */
export function codeProblem(i: number): CodeProblem {
  const t = TEMPLATES[i % TEMPLATES.length]!;
  const k = [2 + (i % 89), 1 + ((i * 13) % 97), 3 + ((i * 7) % 101)];
  const setting = `The ${FIELDS[(i * 5) % FIELDS.length]} team logs ${THINGS[(i * 7) % THINGS.length]} in run ${i}; their ${THINGS[(i * 3 + 1) % THINGS.length]} tally is ${k[1]! * 3 + (i % 50)}.`;
  const entry = `${t.name}_${i}`;
  const header = `def ${entry}(${t.params(k)}):\n`;
  const asserts = t.inputs(k).map((args) => `    assert candidate(${args.map(py).join(', ')}) == ${py(t.run(k, ...args))}`);
  return {
    id: `c${i}`,
    domain: 'code',
    prompt: `Task ${i}. ${setting} Write a Python function \`${entry}(${t.params(k)})\` that ${t.describe(k)}. Answer with the whole function in a python code block.`,
    language: 'python',
    test: `def check(candidate):\n${asserts.join('\n')}\n`,
    entry_point: entry,
    solution: `${header}${t.body(k)}\n`,
    wrong: `${header}${t.wrongBody(k)}\n`,
  };
}
