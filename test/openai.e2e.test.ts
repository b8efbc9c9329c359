/**
 * End to end through the CLI (real subprocesses) against the vLLM-shaped test server: a build under 20 % faulty
 * requests, batch export → result files → import equal to the online build, and shards merged equal to the
 * unsharded build.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { duckObjects } from './support/duckdb-query.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { answerBatchFile, randomFaults, startOpenAITestServer, type TestServer } from './support/openai-test-server.ts';

const repoRoot = resolve(import.meta.dirname, '..');
const PROMPTS = 24;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(repoRoot, 'bin/distillery.mjs'), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function rows(dir: string, corpus: string, order: string): Promise<Record<string, unknown>[]> {
  const m = await readManifest(dir);
  const files = m!.shards.filter((s) => s.corpus === corpus).map((s) => `'${join(dir, s.path)}'`);
  if (files.length === 0) return [];
  return duckObjects(`SELECT * FROM read_parquet([${files.join(',')}]) ORDER BY ${order}`);
}

const ORDER: Record<string, string> = { sft: 'id', distill: 'id', samples: 'key', prefs: 'id' };

async function assertSameCorpora(a: string, b: string): Promise<void> {
  for (const corpus of Object.keys(ORDER)) {
    assert.deepEqual(await rows(a, corpus, ORDER[corpus]), await rows(b, corpus, ORDER[corpus]), `${corpus}/ of ${a} and ${b}`);
  }
  assert.equal((await readManifest(a))!.totals.quarantine.rows, (await readManifest(b))!.totals.quarantine.rows);
}

describe('openai backend through distillery run, batch and merge', () => {
  let server: TestServer;
  let tmp: string;
  let pipeline: string;

  before(async () => {
    server = await startOpenAITestServer();
    tmp = await mkdtemp(join(tmpdir(), 'distillery-openai-'));
    const lines = Array.from({ length: PROMPTS }, (_, i) => JSON.stringify({ id: `q${i}`, question: `What is ${i} + ${2 * i + 1}?`, answer: `#### ${3 * i + 1}` }));
    lines.splice(5, 0, 'this line is not JSON');
    lines.push(JSON.stringify({ id: 'q-dup', question: 'What is 3 + 7?', answer: '#### 10' })); // same text as q3: a duplicate
    await writeFile(join(tmp, 'prompts.jsonl'), `${lines.join('\n')}\n`);
    const src = (p: string) => JSON.stringify(join(repoRoot, p));
    // A pipeline file outside the repo is ESM only under a package.json that says so.
    await writeFile(join(tmp, 'package.json'), '{ "type": "module" }\n');
    pipeline = join(tmp, 'pipeline.ts');
    await writeFile(
      pipeline,
      `import { definePipeline } from ${src('src/pipeline/define.ts')};
import { jsonl } from ${src('src/sources/jsonl.ts')};
import { openai } from ${src('src/models/openai/index.ts')};
import { exactAnswerJudge } from ${src('src/judges/exact-answer.ts')};
import { keepAccepted } from ${src('src/select/keep-accepted.ts')};
export default definePipeline({
  name: 'scale-test',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url))],
  // TEST_OPENAI_URL unset: a closed port, so a run works only with --base-url.
  backend: openai({ baseUrl: process.env.TEST_OPENAI_URL ?? 'http://127.0.0.1:9/v1', model: 'test-r1', n: process.env.TEST_OPENAI_N !== '0',
    timeoutMs: 400, retries: 8, backoffMs: 5, maxBackoffMs: 40, concurrency: 8 }),
  generation: { k: 4, maxTokens: 200, temperature: 0.7, seed: 3 },
  judges: [exactAnswerJudge()],
  selection: keepAccepted(),
});
`,
    );
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('20 % faulty requests: every prompt sampled, no duplicate rows; a prompt the server keeps failing is not done until the same command samples it', async () => {
    const faults = randomFaults(0.2, 11);
    // q7 always fails: it must not count as done (no rows); the run says so and exits non-zero.
    server.options = { fault: (body, n) => (JSON.stringify(body.messages).includes('What is 7 + 15?') ? '500' : faults!(body, n)) };
    const out = join(tmp, 'faulty');
    const r = await cli(['run', pipeline, '--out', out, '--json'], { TEST_OPENAI_URL: server.baseUrl });
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, /1 prompts failed on backend errors and are not done; run the same command/);
    const samples = await rows(out, 'samples', 'key');
    assert.equal(samples.length, (PROMPTS - 1) * 4);
    assert.equal(new Set(samples.map((s) => s.key)).size, samples.length);
    assert.equal(new Set(samples.map((s) => s.prompt_id)).size, PROMPTS - 1);
    assert.ok(!samples.some((s) => s.prompt_id === 'q7'));
    assert.ok(samples.some((s) => s.finish_reason === 'stop'));
    const injected = [...server.counts.entries()].filter(([k]) => k !== 'ok').reduce((a, [, v]) => a + v, 0);
    assert.ok(injected > 4, `faults injected: ${JSON.stringify([...server.counts])}`);
    assert.equal((await readManifest(out))!.totals.quarantine.rows, 1);
    // The backend's counters reach the build report: every retry and failed request is accounted for.
    const report = JSON.parse(r.stdout) as { backend?: { requests: number; retries: number; failedRequests: number } };
    assert.ok(report.backend, 'report.backend is missing');
    assert.ok(report.backend.requests >= PROMPTS && report.backend.retries > 0 && report.backend.failedRequests >= 1, JSON.stringify(report.backend));
    // The server heals: the same command samples q7 (and only q7) and the build is done.
    server.options = {};
    const again = await cli(['run', pipeline, '--out', out, '--json'], { TEST_OPENAI_URL: server.baseUrl });
    assert.equal(again.code, 0, again.stderr);
    const resumed = JSON.parse(again.stdout) as { run: { prompts: number }; backendHealth: { resampledPrompts: number } };
    assert.equal(resumed.run.prompts, 1);
    assert.equal(resumed.backendHealth.resampledPrompts, 1);
    const all = await rows(out, 'samples', 'key');
    assert.equal(all.filter((s) => s.prompt_id === 'q7').length, 4);
    assert.equal((await readManifest(out))!.finished, true);
  });

  test('batch export → result files (partial, then all) → import equals the online build', async () => {
    server.options = {};
    const requests = join(tmp, 'requests.jsonl');
    const ex = await cli(['batch', 'export', pipeline, '--out', requests], { TEST_OPENAI_URL: server.baseUrl });
    assert.equal(ex.code, 0, ex.stderr);
    const input = await readFile(requests, 'utf8');
    const reqLines = input.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(reqLines.length, PROMPTS * 4);
    assert.equal(new Set(reqLines.map((l) => l.custom_id)).size, reqLines.length);
    assert.ok(reqLines.every((l) => l.method === 'POST' && l.url === '/v1/chat/completions' && l.body.n === undefined && /^q\d+#[0-3]@[0-9a-f]{16}$/.test(l.custom_id)));

    const output = answerBatchFile(input).trim().split('\n');
    const part1 = join(tmp, 'results-1.jsonl');
    const part2 = join(tmp, 'results-2.jsonl');
    // A partial first file, cut mid-line as a download in progress would be.
    await writeFile(part1, `${output.slice(0, 41).join('\n')}\n${output[41].slice(0, 30)}`);
    await writeFile(part2, `${output.slice(41).join('\n')}\n`);

    // Online build with the same requests (n: false), then a one-shot import of all result files: the same corpus.
    const online = join(tmp, 'online-n1');
    const r = await cli(['run', pipeline, '--out', online], { TEST_OPENAI_URL: server.baseUrl, TEST_OPENAI_N: '0' });
    assert.equal(r.code, 0, r.stderr);
    const oneShot = join(tmp, 'imported-once');
    const all = await cli(['batch', 'import', pipeline, '--results', part2, '--results', part1, '--out', oneShot]);
    assert.equal(all.code, 0, all.stderr);
    await assertSameCorpora(oneShot, online);
    assert.equal((await rows(oneShot, 'samples', 'key')).length, PROMPTS * 4);

    // Partial first (stops before the first prompt lacking results), then again with all files: resumes to the same build.
    const imported = join(tmp, 'imported');
    const first = await cli(['batch', 'import', pipeline, '--results', part1, '--out', imported]);
    assert.equal(first.code, 3, first.stderr);
    assert.match(first.stderr, /stopped before prompt "q10"/);
    assert.equal((await rows(imported, 'samples', 'key')).length, 40);
    const second = await cli(['batch', 'import', pipeline, '--results', part1, '--results', part2, '--out', imported]);
    assert.equal(second.code, 0, second.stderr);
    const again = await cli(['batch', 'import', pipeline, '--results', part2, '--results', part1, '--out', imported]);
    assert.equal(again.code, 0, again.stderr);
    await assertSameCorpora(imported, online);
  });

  test('shards 0/3, 1/3, 2/3 merged equal the unsharded build; merge refuses overlaps, mixed splits and bad checksums', async () => {
    server.options = {};
    const env = { TEST_OPENAI_URL: server.baseUrl };
    const shardDirs = [0, 1, 2].map((i) => join(tmp, `shard-${i}`));
    const runs = await Promise.all(shardDirs.map((d, i) => cli(['run', pipeline, '--out', d, '--shard', `${i}/3`], env)));
    runs.forEach((r) => assert.equal(r.code, 0, r.stderr));
    // The unsharded build goes through --backend openai --base-url (the pipeline's own URL is a closed port).
    const whole = join(tmp, 'whole');
    const w = await cli(['run', pipeline, '--out', whole, '--backend', 'openai', '--base-url', server.baseUrl, '--model', 'test-r1']);
    assert.equal(w.code, 0, w.stderr);

    const merged = join(tmp, 'merged');
    const m = await cli(['merge', ...shardDirs, '--out', merged]);
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /merged 3 builds \(shards 0\/3, 1\/3, 2\/3\): 24 prompts/);
    await assertSameCorpora(merged, whole);
    assert.equal((await readManifest(merged))!.configHash, (await readManifest(whole))!.configHash);

    const twice = await cli(['merge', shardDirs[0], shardDirs[0], '--out', join(tmp, 'm2')]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /are both shard 0\/3/);
    const mixed = await cli(['merge', shardDirs[0], whole, '--out', join(tmp, 'm3')]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /sharded differently/);
    const damaged = join(tmp, 'shard-1-damaged');
    await cp(shardDirs[1], damaged, { recursive: true });
    const victim = (await readManifest(damaged))!.shards.find((s) => s.corpus === 'sft')!;
    const bytes = await readFile(join(damaged, victim.path));
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(join(damaged, victim.path), bytes);
    const bad = await cli(['merge', shardDirs[0], damaged, '--out', join(tmp, 'm4')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /does not match its sha256/);
    await appendFile(join(damaged, victim.path), 'x');
    const bad2 = await cli(['merge', shardDirs[0], damaged, '--out', join(tmp, 'm5')]);
    assert.match(bad2.stderr, /bytes, the manifest says/);
  });
});
