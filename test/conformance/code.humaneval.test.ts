import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCodeRunner } from '../../src/judges/code/code-runner.ts';
import { parseCodeTests } from '../../src/judges/code/code-tests.ts';

// HumanEval (164 problems): every canonical solution passes in the sandbox; a broken variant of each fails.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const file = path.join(path.resolve(repoRoot, '../shared'), 'datasets/HumanEval.jsonl.gz');
const problems = existsSync(file)
  ? gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>)
  : [];

/** Break a canonical solution: wrap every `return X` so it returns something else of a different type. */
function broken(solution: string): string {
  const b = solution.replace(/\breturn\b(.*)$/gm, 'return ("broken", $1)');
  return b === solution ? `${solution}\n    raise ValueError("broken")\n` : b;
}

test('HumanEval: all 164 canonical solutions pass; broken variants fail', { skip: problems.length === 0 ? `${file} not found` : false }, async () => {
  assert.equal(problems.length, 164);
  const runner = createCodeRunner({ timeoutMs: 20_000 });
  try {
    const results = await Promise.all(
      problems.map(async (p) => {
        const tests = parseCodeTests(p, p.task_id);
        const ok = await runner.run({ program: p.canonical_solution, language: 'python', tests });
        const bad = await runner.run({ program: broken(p.canonical_solution), language: 'python', tests });
        return { id: p.task_id, ok, bad };
      }),
    );
    const notPassing = results.filter((r) => r.ok.outcome !== 'pass').map((r) => `${r.id}: ${r.ok.outcome} ${r.ok.reason}`);
    assert.deepEqual(notPassing, [], 'canonical solutions that did not pass');
    const notFailing = results.filter((r) => r.bad.outcome === 'pass' || r.bad.outcome === 'sandbox_error').map((r) => `${r.id}: ${r.bad.outcome}`);
    assert.deepEqual(notFailing, [], 'broken variants that were not rejected');
    for (const r of results) assert.equal(['fail', 'runtime_error', 'timeout'].includes(r.bad.outcome), true, `${r.id}: ${r.bad.outcome}`);
  } finally {
    await runner.close();
  }
});
