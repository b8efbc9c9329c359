/**
 * Backend outages through `distillery run` against the real HTTP test server on 127.0.0.1: samples that failed on
 * backend errors never make a prompt done, the circuit breaker pauses and probes during an outage and goes on
 * when the server is back, stops (non-zero, "same command resumes") past its budget, a kill -9 during an outage
 * loses nothing, and a build whose samples are all backend errors never exits 0. Every build ends compared to an
 * uninterrupted one (sample keys + content hash of every corpus).
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { duckObjects } from './support/duckdb-query.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { startOpenAITestServer, type TestServer } from './support/openai-test-server.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const PROMPTS = 16;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(repoRoot, 'bin/distillery.mjs'), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Each corpus as (key, sha256 of the row's content), in key order: what two builds must agree on. */
async function fingerprint(dir: string): Promise<Record<string, unknown[]>> {
  const m = await readManifest(dir);
  const out: Record<string, unknown[]> = {};
  for (const [corpus, key] of [['sft', 'id'], ['distill', 'id'], ['samples', 'key'], ['prefs', 'id']] as const) {
    const files = m!.shards.filter((s) => s.corpus === corpus).map((s) => `'${join(dir, s.path)}'`);
    out[corpus] = files.length === 0 ? [] : await duckObjects(`SELECT ${key} AS k, sha256(CAST(to_json(t) AS VARCHAR)) AS h FROM read_parquet([${files.join(',')}]) t ORDER BY ${key}`);
  }
  return out;
}

describe('backend outages', () => {
  let server: TestServer;
  let tmp: string;
  let pipeline: string;
  let reference: Record<string, unknown[]>;
  const env = () => ({ TEST_OPENAI_URL: server.baseUrl });

  before(async () => {
    server = await startOpenAITestServer();
    tmp = await mkdtemp(join(tmpdir(), 'distillery-outage-'));
    const lines = Array.from({ length: PROMPTS }, (_, i) => JSON.stringify({ id: `q${i}`, question: `What is ${i} + ${i + 2}?`, answer: `#### ${2 * i + 2}` }));
    await writeFile(join(tmp, 'prompts.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(join(tmp, 'package.json'), '{ "type": "module" }\n');
    const src = (p: string) => JSON.stringify(join(repoRoot, p));
    pipeline = join(tmp, 'pipeline.ts');
    await writeFile(
      pipeline,
      `import { definePipeline } from ${src('src/pipeline/define.ts')};
import { jsonl } from ${src('src/sources/jsonl.ts')};
import { openai } from ${src('src/models/openai/index.ts')};
import { exactAnswerJudge } from ${src('src/judges/exact-answer.ts')};
import { keepAccepted } from ${src('src/select/keep-accepted.ts')};
export default definePipeline({
  name: 'outage-test',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url))],
  backend: openai({ baseUrl: process.env.TEST_OPENAI_URL, model: 'test-r1', timeoutMs: 2000, retries: 1, backoffMs: 5, maxBackoffMs: 20, concurrency: 4 }),
  generation: { k: 3, maxTokens: 200, temperature: 0.7, seed: 5 },
  judges: [exactAnswerJudge()],
  selection: keepAccepted({ prefsPerPrompt: 1 }),
  output: { commitEverySeconds: 0, shardRows: 8 },
});
`,
    );
    const r = await cli(['run', pipeline, '--out', join(tmp, 'reference')], env());
    assert.equal(r.code, 0, r.stderr);
    reference = await fingerprint(join(tmp, 'reference'));
    assert.equal(reference.samples.length, PROMPTS * 3);
  });
  after(async () => {
    if (server.isDown) await server.comeBack();
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('down from the start: the breaker probes, stops past its budget (exit 75, "same command"), and the same command then builds every prompt', async () => {
    const out = join(tmp, 'down-at-start');
    await server.goDown();
    const down = await cli(['run', pipeline, '--out', out, '--outage-budget', '2s', '--json'], env());
    await server.comeBack();
    assert.equal(down.code, 75, down.stderr);
    assert.match(down.stderr, /backend failing .*probing/);
    assert.match(down.stderr, /stopped: backend down .*same command to resume/);
    const first = JSON.parse(down.stdout) as { totals: { prompts: number; samples: number }; backendHealth: { pendingPrompts: number; stoppedBy: string; outageSeconds: number } };
    assert.equal(first.totals.samples, 0, 'no error sample was committed as a done prompt');
    assert.ok(first.backendHealth.pendingPrompts > 0);
    assert.ok(first.backendHealth.outageSeconds >= 2, `the outage that outlived its budget counts as time down: ${first.backendHealth.outageSeconds}`);
    assert.equal((await readManifest(out))!.finished, false);

    const again = await cli(['run', pipeline, '--out', out, '--json'], env());
    assert.equal(again.code, 0, again.stderr);
    const report = JSON.parse(again.stdout) as { run: { prompts: number }; backendHealth: { resampledPrompts: number; pendingPrompts: number } };
    assert.equal(report.run.prompts, PROMPTS);
    assert.equal(report.backendHealth.resampledPrompts, first.backendHealth.pendingPrompts);
    assert.equal(report.backendHealth.pendingPrompts, 0);
    assert.deepEqual(await fingerprint(out), reference);
  });

  test('an outage window mid-build: dispatch pauses, the build goes on when the server is back, and ends as if nothing happened', async () => {
    const out = join(tmp, 'window');
    let started = false;
    server.options = {
      latencyMs: 20,
      fault: (_body, n) => {
        if (n === 6 && !started) {
          started = true;
          void server.outage(2500);
        }
        return null;
      },
    };
    const r = await cli(['run', pipeline, '--out', out, '--json'], env());
    server.options = {};
    assert.equal(r.code, 0, r.stderr);
    assert.ok(started);
    const report = JSON.parse(r.stdout) as { backendHealth: { outages: number; resampledPrompts: number; pendingPrompts: number } };
    assert.ok(report.backendHealth.outages >= 1, r.stderr);
    assert.ok(report.backendHealth.resampledPrompts >= 1, JSON.stringify(report.backendHealth));
    assert.match(r.stderr, /backend serving again/);
    assert.deepEqual(await fingerprint(out), reference);
  });

  test('kill -9 during an outage, then the same command: every prompt, rows as an uninterrupted build', async () => {
    const out = join(tmp, 'killed');
    await server.goDown();
    const child = spawn(process.execPath, [join(repoRoot, 'bin/distillery.mjs'), 'run', pipeline, '--out', out], { cwd: repoRoot, env: { ...process.env, ...env() }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolveWait, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/backend failing/.test(stderr)) resolveWait();
      });
      child.on('exit', () => reject(new Error(`exited before the outage was seen: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    await server.comeBack();
    const r = await cli(['run', pipeline, '--out', out], env());
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await fingerprint(out), reference);
  });

  test('a build whose every sample is a backend error never exits 0', async () => {
    const out = join(tmp, 'all-refused');
    server.options = { fault: () => '400' };
    const r = await cli(['run', pipeline, '--out', out, '--limit', '3'], env());
    server.options = {};
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /every sample of this build \(9\) is a backend error/);
    const again = await cli(['run', pipeline, '--out', out, '--limit', '3'], env());
    assert.equal(again.code, 1, 'a rerun of the same build still says so');
  });
});
