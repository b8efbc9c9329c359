import { availableParallelism } from 'node:os';
import { createCodeRunner, testsOrInvalid, type CodeJudgeOptions } from '../../judges/code/code-runner.ts';
import { CATEGORY_OF_OUTCOME, verdictValueOf, type CodeResult } from '../../judges/code/outcome.ts';
import { judgeSpec, runJsonlJudgeCommand } from '../jsonl-judge-command.ts';

export const spec = judgeSpec('code', {
  summary: 'Judge programs against their tests in the sandbox (bubblewrap; rlimits only where namespaces are unavailable).',
  input:
    '"language", the program as "program" | "completion" | "canonical_solution" (HumanEval: appended to "prompt") or a model "response",\nand "tests": [{input, output}] or HumanEval\'s "prompt", "test", "entry_point"; optional "id"',
  output: '{id?, verdict, category, outcome, passed, total, reason}',
  flags: {
    sandbox: { type: 'string', value: 'KIND', help: 'bwrap (default) | rlimit-only' },
    'timeout-ms': { type: 'string', value: 'MS', help: 'time limit of one test run' },
    'memory-mb': { type: 'string', value: 'MB', help: 'memory limit of one program' },
    'float-tolerance': { type: 'string', value: 'X', help: 'relative tolerance when comparing numbers in outputs' },
    'stop-at-first-failure': { type: 'boolean', help: 'stop a case at its first failing test' },
  },
});
import { UsageError } from '../args.ts';

/**
 * `distillery judge code --input cases.jsonl [--output out.jsonl] [--sandbox bwrap|rlimit-only] [--timeout-ms N]
 * [--memory-mb N] [--float-tolerance X] [--stop-at-first-failure]`. Each line: `language`, the program as
 * `program` | `completion` | `canonical_solution` (HumanEval: appended to `prompt`) or a model `response`, and
 * `tests: [{input, output}]` or HumanEval's `prompt`, `test`, `entry_point`.
 * Each output line: `id`, `verdict`, `category`, `outcome`, `passed`, `total`, `reason`.
 */
export async function run(argv: string[]): Promise<number> {
  let runner: ReturnType<typeof createCodeRunner> | null = null;
  const configure = (values: Record<string, unknown>) => {
    const options: CodeJudgeOptions = { concurrency: availableParallelism() };
    if (values.sandbox !== undefined) {
      if (values.sandbox !== 'bwrap' && values.sandbox !== 'rlimit-only') throw new UsageError('--sandbox must be bwrap or rlimit-only');
      options.sandbox = values.sandbox;
    }
    options.timeoutMs = positive(values['timeout-ms'], '--timeout-ms');
    const memoryMb = positive(values['memory-mb'], '--memory-mb');
    if (memoryMb !== undefined) options.memoryBytes = memoryMb * 1024 * 1024;
    if (values['float-tolerance'] !== undefined) options.floatTolerance = positive(values['float-tolerance'], '--float-tolerance');
    options.stopAtFirstFailure = values['stop-at-first-failure'] === true;
    runner = createCodeRunner(options);
  };
  try {
    return await runJsonlJudgeCommand(
      argv,
      spec,
      async (row) => {
        const r = await judgeRow(runner!, row);
        return { verdict: verdictValueOf(r.outcome), category: CATEGORY_OF_OUTCOME[r.outcome], outcome: r.outcome, passed: r.passed, total: r.total, reason: r.reason };
      },
      {
        // Lines are judged concurrently; the runner's own pool bounds the programs running at once.
        concurrency: availableParallelism() * 2,
        onOptions: configure,
      },
    );
  } finally {
    await (runner as ReturnType<typeof createCodeRunner> | null)?.close();
  }
}

function positive(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

async function judgeRow(runner: ReturnType<typeof createCodeRunner>, row: Record<string, unknown>): Promise<CodeResult> {
  const where = row.id !== undefined ? `case ${JSON.stringify(row.id)}` : 'case';
  const tests = testsOrInvalid(row, where);
  if (!('kind' in tests)) return tests;
  const language = typeof row.language === 'string' ? row.language : undefined;
  const program = firstString(row, ['program', 'completion', 'canonical_solution']);
  if (program !== undefined) return runner.run({ program, language, tests });
  if (typeof row.response === 'string') return runner.run({ response: row.response, language, tests });
  return { outcome: 'invalid_case', passed: 0, total: 0, firstFailure: null, reason: `${where}: give the program as "program", "completion", "canonical_solution" or a model "response"` };
}

function firstString(row: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) if (typeof row[k] === 'string') return row[k] as string;
  return undefined;
}
