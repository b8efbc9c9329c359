import { checkOptionKeys } from '../../config/strict-options.ts';
import type { Judge } from '../judge.ts';
import { responseOf } from '../../../schemas/sample.ts';
import { verdict } from '../../../schemas/verdict.ts';
import { createCodeRunner, testsOrInvalid, type CodeJudgeOptions } from './code-runner.ts';
import { codeVerdict } from './outcome.ts';

/**
 * The code judge: runs each sample's program (the last fenced block of its final answer) against the tests in
 * the prompt's `meta` — `tests: [{input, output}]`, or HumanEval's `prompt`, `test`, `entry_point` — in a
 * bubblewrap sandbox, through a pool bounded by cores. `meta.language` (python | javascript) names the
 * language; otherwise the fence's, otherwise python. Verdict detail: outcome, passed, total, firstFailure.
 */
export function codeJudge(options: CodeJudgeOptions & { name?: string } = {}): Judge {
  checkOptionKeys('codeJudge', options, ['name', 'sandbox', 'concurrency', 'floatTolerance', 'stopAtFirstFailure', 'defaultLanguage', 'python', 'node', 'bwrap', 'timeoutMs', 'cpuSeconds', 'memoryBytes', 'maxProcesses', 'maxFileBytes', 'maxOpenFiles', 'maxOutputBytes']);
  const name = options.name ?? 'code';
  const runner = createCodeRunner(options);
  return {
    name,
    describe: () => ({ name, ...runner.describe() }),
    close: () => runner.close(),
    async judge(prompt, samples) {
      const tests = testsOrInvalid(prompt.meta, `prompt ${prompt.id}: meta`);
      if (!('kind' in tests)) return samples.map(() => codeVerdict(name, tests));
      const language = typeof prompt.meta.language === 'string' ? prompt.meta.language : undefined;
      return Promise.all(
        samples.map(async (s) => {
          if (s.finishReason === 'error') return verdict(name, 'error', `sample ${s.key} has no text: ${s.error ?? 'backend error'}`, { category: 'backend_error', detail: { outcome: 'invalid_case' } });
          return codeVerdict(name, await runner.run({ response: responseOf(s), language, tests }));
        }),
      );
    },
  };
}
