/**
 * The r1-800k pipeline with a teacher that is mostly right: the job as scheduled, its backend replaced on the
 * command line by an OpenAI-compatible server (a real HTTP server on 127.0.0.1 whose model answers "a + b"
 * prompts right about two times in three). Unlike the bundled model, which accepts almost nothing, this fills
 * the math quota, so the test sees the quota met exactly and the later prompts skipped. (The generative fallback
 * judge is still the bundled model.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readManifest } from '../src/sinks/manifest.ts';
import { duckRows } from './support/duckdb-query.ts';
import { runCli } from './support/engine-fixture.ts';
import { startOpenAITestServer } from './support/openai-test-server.ts';

test('r1-800k with a mostly-right teacher over HTTP: the math quota is met exactly, later math prompts skipped, selected samples accepted the R1 way', { timeout: 600_000 }, async () => {
  const server = await startOpenAITestServer();
  try {
    const dir = await mkdtemp(path.join(tmpdir(), 'distillery-r1-teacher-'));
    const math = Array.from({ length: 12 }, (_, i) => {
      const a = 11 + i * 7, b = 23 + i * 13;
      return { id: `m${i}`, prompt: `What is ${a} + ${b}? Give the sum.`, reference: String(a + b), domain: 'math' };
    });
    const prompts = path.join(dir, 'prompts.jsonl');
    await writeFile(prompts, math.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const out = path.join(dir, 'out');
    // 16 examples → math quota 7 (R1_MIX: 45 %).
    const r = await runCli(['run', 'pipelines/r1-800k.ts', '--out', out, '--backend', 'openai', '--base-url', server.baseUrl, '--model', 'teacher'], { env: { DISTILLERY_PROMPTS: prompts, DISTILLERY_EXAMPLES: '16' } });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);

    const m = (await readManifest(out))!;
    const sampling = m.report!.sampling as { quotaSkipped: number; perDomain: Record<string, { selected: number; quota: number; quotaMet: boolean }> };
    assert.deepEqual([sampling.perDomain.math.selected, sampling.perDomain.math.quota, sampling.perDomain.math.quotaMet], [7, 7, true]);
    const count = async (sql: string) => Number((await duckRows(sql))[0][0]);
    assert.equal(await count(`SELECT count(*) FROM read_parquet('${out}/sft/*.parquet') WHERE prompt_id LIKE 'm%'`), 7);
    assert.equal(await count(`SELECT count(*) FROM read_parquet('${out}/distill/*.parquet')`), 7);
    // Each selected sample is accepted the R1 way: the rule judge passed it, or it failed and the generative judge
    // passed it (recorded as a disagreement). The bundled judging model has random weights, so both happen.
    const selected = await duckRows(`SELECT key, accepted, disagreement, list_filter(verdicts, v -> v.judge = 'math')[1].verdict FROM read_parquet('${out}/samples/*.parquet') WHERE selected`);
    assert.equal(selected.length, 7);
    for (const [key, accepted, disagreement, math] of selected) {
      assert.equal(accepted, true, String(key));
      assert.ok(math === 'pass' || disagreement === 'math:fail/generative:pass', `${key}: math ${math}, disagreement ${disagreement}`);
    }
    // The math verdicts are real: the teacher's wrong sums fail (it is right about two times in three).
    const [[right, wrong]] = await duckRows(`SELECT sum((list_filter(verdicts, v -> v.judge = 'math')[1].verdict = 'pass')::INT), sum((list_filter(verdicts, v -> v.judge = 'math')[1].verdict = 'fail')::INT) FROM read_parquet('${out}/samples/*.parquet')`);
    assert.ok(Number(right) > 0 && Number(wrong) > 0, `math pass ${right}, fail ${wrong}`);
    // One selected example a prompt, and the quota stopped the domain: the last prompts were never written.
    assert.equal(await count(`SELECT count(DISTINCT prompt_id) FROM read_parquet('${out}/sft/*.parquet')`), 7);
    const written = await count(`SELECT count(DISTINCT prompt_id) FROM read_parquet('${out}/samples/*.parquet')`);
    assert.ok(written >= 7 && written < 12, `${written} prompts written`);
  } finally {
    await server.close();
  }
});
