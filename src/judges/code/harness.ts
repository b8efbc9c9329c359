import { randomBytes } from 'node:crypto';
import type { CodeTests } from './code-tests.ts';
import type { Language } from './extract-program.ts';

/** How a run's result is checked. */
export type RunCheck =
  | { kind: 'stdout'; expected: string }
  /** Function tests: the harness prints `nonce` after the tests returned; exiting early cannot fake a pass. */
  | { kind: 'sentinel'; nonce: string };

/** One execution: files to place in the sandbox's /tmp, the interpreter arguments, stdin and the check. */
export interface RunSpec {
  language: Language;
  files: { name: string; content: string }[];
  /** Arguments after the interpreter (relative to the working directory). */
  args: string[];
  stdin: string;
  env: Record<string, string>;
  check: RunCheck;
}

export const SENTINEL_ENV = 'DISTILLERY_DONE';
const MAIN: Record<Language, string> = { python: 'main.py', javascript: 'main.js' };

// The runners read the nonce from the environment and delete it before the candidate's code runs, so it is
// in neither the source nor the environment the program sees; they print it only when the tests returned.
const PYTHON_RUNNER = [
  'import os, sys',
  `n = os.environ.pop("${SENTINEL_ENV}", "")`,
  'p = sys.argv[1]',
  'sys.argv = sys.argv[1:]',
  'src = open(p, encoding="utf-8").read()',
  'g = {"__name__": "__main__", "__file__": p, "__builtins__": __builtins__}',
  'del os',
  'exec(compile(src, p, "exec"), g)',
  'sys.stdout.flush()',
  'sys.stdout.write("\\n" + n + "\\n")',
  'sys.stdout.flush()',
].join('\n');

const NODE_RUNNER = [
  `const n = process.env.${SENTINEL_ENV} || '';`,
  `delete process.env.${SENTINEL_ENV};`,
  "require(require('path').resolve(process.argv[1]));",
  "process.stdout.write('\\n' + n + '\\n');",
].join('\n');

/** The runs that test `program` (a full program, or a completion of the HumanEval `prompt`). */
export function buildRuns(language: Language, program: string, tests: CodeTests): RunSpec[] {
  const main = MAIN[language];
  if (tests.kind === 'io') {
    return tests.tests.map((t) => ({
      language,
      files: [{ name: main, content: program }],
      args: [main],
      stdin: t.input,
      env: {},
      check: { kind: 'stdout', expected: t.output },
    }));
  }
  const nonce = randomBytes(16).toString('hex');
  const call = tests.entryPoint && definesCheck(tests.test) && !callsCheck(tests.test) ? `\n\ncheck(${tests.entryPoint})\n` : '\n';
  const source = `${tests.prompt}${program}\n\n${tests.test}${call}`;
  const runner = language === 'python' ? ['-c', PYTHON_RUNNER, main] : ['-e', NODE_RUNNER, main];
  return [
    {
      language,
      files: [{ name: main, content: source }],
      args: runner,
      stdin: '',
      env: { [SENTINEL_ENV]: nonce },
      check: { kind: 'sentinel', nonce },
    },
  ];
}

function definesCheck(test: string): boolean {
  return /\bdef\s+check\s*\(|\bfunction\s+check\s*\(|\b(const|let|var)\s+check\s*=/.test(test);
}

function callsCheck(test: string): boolean {
  return /^check\s*\(/m.test(test);
}
