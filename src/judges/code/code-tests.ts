import { z } from 'zod';

/** Competitive-programming test: the program reads `input` on stdin and must print `output`. */
export const IoTest = z.object({ input: z.string(), output: z.string() });
export type IoTest = z.infer<typeof IoTest>;

/**
 * The tests of one code problem, in either style:
 * - `io`: stdin → expected stdout, one run per test;
 * - `function`: HumanEval style, one run of `prompt + program + test + check(entry_point)`.
 */
export type CodeTests =
  | { kind: 'io'; tests: IoTest[] }
  | { kind: 'function'; prompt: string; test: string; entryPoint: string | null };

/** A case the judge cannot run (no tests, malformed tests): an `error` verdict, never a `fail`. */
export class InvalidCaseError extends Error {
  override name = 'InvalidCaseError';
}

const FunctionFields = z.object({
  prompt: z.string().default(''),
  test: z.string().min(1),
  entry_point: z.string().min(1).nullable().optional(),
  entryPoint: z.string().min(1).nullable().optional(),
});

/**
 * Read the tests from a prompt's `meta` or a CLI input line: `tests: [{input, output}]` (inputs and outputs
 * may be numbers; they are stringified), or HumanEval's `test` with optional `prompt` and `entry_point`.
 */
export function parseCodeTests(rec: Record<string, unknown>, where: string): CodeTests {
  if (rec.tests !== undefined) {
    if (!Array.isArray(rec.tests)) throw new InvalidCaseError(`${where}: "tests" must be an array of {input, output}`);
    const tests = rec.tests.map((t, i) => {
      const o = (t ?? {}) as Record<string, unknown>;
      const parsed = IoTest.safeParse({ input: stringify(o.input), output: stringify(o.output) });
      if (!parsed.success) throw new InvalidCaseError(`${where}: tests[${i}] needs string "input" and "output"`);
      return parsed.data;
    });
    if (tests.length === 0) throw new InvalidCaseError(`${where}: "tests" is empty; nothing to run the program against`);
    return { kind: 'io', tests };
  }
  if (rec.test !== undefined) {
    const parsed = FunctionFields.safeParse(rec);
    if (!parsed.success) throw new InvalidCaseError(`${where}: HumanEval-style case needs a non-empty string "test" (and optional "prompt", "entry_point")`);
    const f = parsed.data;
    return { kind: 'function', prompt: f.prompt, test: f.test, entryPoint: f.entry_point ?? f.entryPoint ?? null };
  }
  throw new InvalidCaseError(`${where}: no tests: give "tests": [{input, output}] or HumanEval's "test" and "entry_point"`);
}

function stringify(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
}
