/**
 * Inference servers started and watched by the openai backend (`launch`), and a list of running servers
 * (`baseUrl: [...]`). Real processes stand in for vLLM: the test model's server (test/support/openai-server-process.ts)
 * started by /bin/sh as the launched command, two replicas, on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { EndpointPool } from '../src/models/openai/endpoint-pool.ts';
import { gpuGroups } from '../src/models/openai/server-supervisor.ts';
import { corpusDigest, duck, repoRoot, runCli, startCli, tempWorkdir, writeGsm8kPrompts } from './support/engine-fixture.ts';
import { startOpenAITestServer } from './support/openai-test-server.ts';
import { alive } from './support/slurm-cluster.ts';

const src = (p: string) => pathToFileURL(path.join(repoRoot, p)).href;
const serverCommand = (extra = '') => `cd ${repoRoot} && exec ${process.execPath} --import tsx test/support/openai-server-process.ts --port {port} ${extra}`;

function writeOpenAIPipeline(file: string, backend: string, k = 2): void {
  writeFileSync(
    file,
    `import { definePipeline } from '${src('src/pipeline/define.ts')}';
import { jsonl } from '${src('src/sources/jsonl.ts')}';
import { openai } from '${src('src/models/openai/index.ts')}';
import { exactAnswerJudge } from '${src('src/judges/exact-answer.ts')}';
import { keepAccepted } from '${src('src/select/keep-accepted.ts')}';
export default definePipeline({
  name: 'launch-test',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url), { domain: 'math' })],
  backend: openai(${backend}),
  generation: { k: ${k}, temperature: 0.6, seed: 3 },
  judges: [exactAnswerJudge()],
  selection: keepAccepted({ maxPerPrompt: 1, prefsPerPrompt: 1 }),
  output: { commitEverySeconds: 0, shardRows: 64 },
});
`,
  );
}

/** Pids of the server processes a replica log says were listening. */
function serverPids(log: string): number[] {
  return [...readFileSync(log, 'utf8').matchAll(/listening pid=(\d+)/g)].map((m) => Number(m[1]));
}


async function until(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('routing: least outstanding requests among the usable endpoints, in turn on ties', () => {
  const pool = new EndpointPool(['http://127.0.0.1:1/v1', 'http://127.0.0.1:2/v1', 'http://127.0.0.1:3/v1'], 1, {}, 1000);
  const [a, b, c] = pool.endpoints;
  assert.deepEqual([pool.pick(0), pool.pick(0), pool.pick(0), pool.pick(0)], [0, 1, 2, 0]);
  a.outstanding = 2;
  b.outstanding = 1;
  c.outstanding = 3;
  assert.equal(pool.pick(0), 1);
  b.downUntil = 10;
  assert.equal(pool.pick(5), 0, 'a set-aside endpoint is not picked during its cool-down');
  assert.equal(pool.pick(11), 1, '…and is again after it');
  pool.hold(1);
  assert.equal(pool.pick(11), 0);
  pool.release(1);
  assert.equal(pool.pick(11), 1);
  assert.equal(pool.pick(11, new Set([1])), 0);
  void pool.close();
  assert.deepEqual(gpuGroups({ replicas: 2, gpusPerReplica: 2 }, { CUDA_VISIBLE_DEVICES: '4,5,6,7' }), [['4', '5'], ['6', '7']]);
  assert.deepEqual(gpuGroups({ replicas: 2, gpusPerReplica: 1 }, {}), [['0'], ['1']]);
  assert.deepEqual(gpuGroups({ replicas: 2, gpusPerReplica: 0 }, {}), [[], []]);
  assert.throws(() => gpuGroups({ replicas: 3, gpusPerReplica: 2, gpus: ['0', '1', '2'] }, {}), /need 6 GPUs, but only 3/);
});

test('launch: two replicas, one killed mid-build: the build finishes, nothing lost or duplicated, the replica restarted, none left running', async () => {
  const work = tempWorkdir('launch');
  const ref = await startOpenAITestServer();
  try {
    const n = 40;
    writeGsm8kPrompts(path.join(work, 'prompts.jsonl'), n);
    const launch = `{ command: ${JSON.stringify(serverCommand('--latency-ms 150'))}, replicas: 2, gpusPerReplica: 1, gpus: ['0', '1'], readyTimeoutMs: 60000, maxRestarts: 2 }`;
    writeOpenAIPipeline(path.join(work, 'launched.ts'), `{ launch: ${launch}, model: 'test-model', concurrency: 4 }`);
    writeOpenAIPipeline(path.join(work, 'direct.ts'), `{ baseUrl: '${ref.baseUrl}', model: 'test-model', concurrency: 4 }`);
    const out = path.join(work, 'out');
    const logs = [0, 1].map((i) => path.join(out, 'servers', `replica-${i}.log`));
    const run = startCli(['run', 'launched.ts', '--out', out, '--json'], { cwd: work });
    // Once replica 0 has answered a few requests of the build, kill its server process (not its shell: as a crash).
    await until('replica 0 serving the build', () => existsSync(logs[0]) && (readFileSync(logs[0], 'utf8').match(/max_tokens=(?!1\b)/g) ?? []).length >= 4);
    const [victim] = serverPids(logs[0]);
    process.kill(victim, 'SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);

    const log0 = readFileSync(logs[0], 'utf8');
    assert.match(log0, /replica 0 ended \(signal SIGKILL|exit code 137\)/);
    assert.match(log0, /restarting replica 0 \(1 of 2\)/);
    assert.equal((log0.match(/replica 0 ready at/g) ?? []).length, 2, log0);
    assert.match(log0, /cuda=0\n/);
    assert.match(readFileSync(logs[1], 'utf8'), /cuda=1\n/);
    const report = JSON.parse(r.stdout) as { backend: { servers: { restarts: number; state: string }[]; endpoints: { requests: number }[]; errorSamples: number } };
    assert.deepEqual(report.backend.servers.map((s) => s.restarts), [1, 0]);
    assert.equal(report.backend.errorSamples, 0);
    assert.ok(report.backend.endpoints.every((e) => e.requests > 0), 'both replicas served');
    const [counts] = await duck<{ n_rows: number; n_keys: number; n_errors: number }>(
      `SELECT count(*)::INT n_rows, count(DISTINCT key)::INT n_keys, count(*) FILTER (WHERE finish_reason = 'error')::INT n_errors FROM read_parquet('${out}/samples/*.parquet')`,
    );
    assert.deepEqual(counts, { n_rows: n * 2, n_keys: n * 2, n_errors: 0 });
    // The same rows as a build against one server that never failed.
    const d = await runCli(['run', 'direct.ts', '--out', path.join(work, 'direct')], { cwd: work });
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(await corpusDigest(out, 'samples', 'key'), await corpusDigest(path.join(work, 'direct'), 'samples', 'key'));
    // Stopped at the end: no server process left.
    for (const pid of [...serverPids(logs[0]), ...serverPids(logs[1])]) assert.equal(alive(pid), false, `server ${pid} still running`);
  } finally {
    await ref.close();
    rmSync(work, { recursive: true, force: true });
  }
});

test('launch: a command that never becomes ready, or dies while starting, fails the build with its log tail', async () => {
  const work = tempWorkdir('launch-fail');
  try {
    writeGsm8kPrompts(path.join(work, 'prompts.jsonl'), 4);
    writeOpenAIPipeline(path.join(work, 'hung.ts'), `{ launch: { command: 'echo loading the weights; echo pid $$; exec sleep 600', gpusPerReplica: 0, readyTimeoutMs: 1500 }, model: 'm' }`);
    const r = await runCli(['run', 'hung.ts', '--out', path.join(work, 'a')], { cwd: work });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /did not answer a 1-token request within 2 s/);
    assert.match(r.stderr, /loading the weights/);
    const sleeper = Number(/pid (\d+)/.exec(readFileSync(path.join(work, 'a', 'servers', 'replica-0.log'), 'utf8'))![1]);
    assert.equal(alive(sleeper), false, 'the hung server was killed');

    writeOpenAIPipeline(path.join(work, 'dies.ts'), `{ launch: { command: 'echo CUDA out of memory >&2; exit 3', gpusPerReplica: 0 }, model: 'm' }`);
    const d = await runCli(['run', 'dies.ts', '--out', path.join(work, 'b')], { cwd: work });
    assert.equal(d.code, 1, d.stderr);
    assert.match(d.stderr, /ended before it was ready \(exit code 3\)/);
    assert.match(d.stderr, /CUDA out of memory/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('launch (--server CMD --replicas 2): Ctrl-C leaves no server process behind', async () => {
  const work = tempWorkdir('launch-int');
  try {
    writeGsm8kPrompts(path.join(work, 'prompts.jsonl'), 200);
    // The CLI equivalent of launch: the pipeline names a server that is not there; --server replaces it.
    writeOpenAIPipeline(path.join(work, 'p.ts'), `{ baseUrl: 'http://127.0.0.1:9/v1', model: 'other', concurrency: 2 }`);
    const out = path.join(work, 'out');
    const logs = [0, 1].map((i) => path.join(out, 'servers', `replica-${i}.log`));
    const flags = ['--backend', 'openai', '--model', 'test-model', '--server', serverCommand('--latency-ms 300'), '--replicas', '2', '--gpus-per-replica', '0'];
    const run = startCli(['run', 'p.ts', '--out', out, ...flags], { cwd: work });
    await until('both replicas ready', () => logs.every((l) => existsSync(l) && /ready at/.test(readFileSync(l, 'utf8'))));
    const pids = logs.flatMap(serverPids);
    assert.equal(pids.length, 2);
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 130, r.stderr);
    for (const pid of pids) assert.equal(alive(pid), false, `server ${pid} still running after Ctrl-C`);
    assert.match(readFileSync(logs[0], 'utf8'), /stopping replica 0/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('command line: --base-url A,B is a pool, --server CMD a launch; conflicting flags are usage errors', async () => {
  const { applyBackendOverride } = await import('../src/cli/backend-override.ts');
  const { definePipeline } = await import('../src/pipeline/define.ts');
  const { openai } = await import('../src/models/openai/index.ts');
  const demo = (await import('../pipelines/demo.ts')).default;
  const pipeline = definePipeline({ ...demo, backend: openai({ baseUrl: 'http://h:1/v1', model: 'm', concurrency: 7 }) });
  const input = (v: Record<string, string>) => (applyBackendOverride('run', pipeline, { backend: 'openai', ...v }).backend as unknown as { input: Record<string, unknown> }).input;
  assert.deepEqual(input({ 'base-url': 'http://a:1/v1,http://b:2/v1' }).baseUrl, ['http://a:1/v1', 'http://b:2/v1']);
  const l = input({ server: 'vllm serve m --port {port}', replicas: '4', 'gpus-per-replica': '2' });
  assert.deepEqual([l.launch, l.baseUrl, l.concurrency, l.model], [{ command: 'vllm serve m --port {port}', replicas: 4, gpusPerReplica: 2 }, undefined, 7, 'm']);
  assert.throws(() => input({ server: 'x', 'base-url': 'http://a:1/v1' }), /not both/);
  assert.throws(() => input({ replicas: '2' }), /go with --server/);
  assert.throws(() => applyBackendOverride('run', pipeline, { server: 'x' }), /--server goes with --backend openai/);
  assert.throws(() => input({ server: 'x', replicas: '0' }), /--replicas must be an integer ≥ 1/);
});

test('baseUrl list: a server that is down is routed around; the build completes without errors', async () => {
  const work = tempWorkdir('pool');
  const live = await startOpenAITestServer();
  const gone = await startOpenAITestServer();
  const goneUrl = gone.baseUrl;
  await gone.close(); // nothing listens there any more
  try {
    writeGsm8kPrompts(path.join(work, 'prompts.jsonl'), 12);
    writeOpenAIPipeline(path.join(work, 'p.ts'), `{ baseUrl: ['${goneUrl}', '${live.baseUrl}'], model: 'test-model', concurrency: 2, retries: 0 }`);
    const r = await runCli(['run', 'p.ts', '--out', path.join(work, 'out'), '--json'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { backend: { errorSamples: number; retries: number; endpoints: { url: string; requests: number; connectionFailures: number }[] } };
    assert.equal(report.backend.errorSamples, 0, 'no sample lost, without any retry');
    const [down, up] = report.backend.endpoints;
    assert.ok(down.connectionFailures >= 1 && down.connectionFailures === down.requests, JSON.stringify(down));
    assert.ok(down.requests < 12, 'the down server was set aside, not tried for every request');
    assert.ok(up.requests >= 12, JSON.stringify(up));
  } finally {
    await live.close();
    rmSync(work, { recursive: true, force: true });
  }
});
