/**
 * The package as a user gets it: `npm pack` (which builds dist/) → install the tarball into a new project made
 * by `npm init -y` ("type": "commonjs") → import it from plain Node → run a user's TypeScript and JavaScript
 * pipelines outside the repository with the installed `distillery` bin → misspelt options and flags fail with
 * the names → --help on every command. Slow (a build and an npm install): `npm run test:package`, run by .ci/run.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/engine-fixture.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';

const run = promisify(execFile);
const work = mkdtempSync(path.join(tmpdir(), 'distillery-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));
const project = path.join(work, 'project');
// onnxruntime-node's install script would download CUDA files: npm ≥ 11 skips unapproved install scripts, older
// npm honours this variable.
const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

async function sh(cmd: string, args: string[], cwd = project, extraEnv: Record<string, string> = {}) {
  try {
    const r = await run(cmd, args, { cwd, env: { ...env, ...extraEnv }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}
const bin = () => path.join(project, 'node_modules', '.bin', 'distillery');

/** Every file under a directory with its size and mtime: to show the installed package is not written to. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const p = path.join(e.parentPath ?? e.path, e.name);
      const s = statSync(p);
      return `${path.relative(dir, p)} ${s.size} ${s.mtimeMs}`;
    })
    .sort();
}

test('npm pack → npm install into an `npm init -y` project', { timeout: 900_000 }, async () => {
  const pack = await sh('npm', ['pack', '--pack-destination', work], repoRoot);
  assert.equal(pack.code, 0, pack.stderr);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'a tarball');
  const list = await sh('tar', ['tzf', path.join(work, tarball)], work);
  const files = list.stdout.split('\n').filter(Boolean);
  for (const f of ['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/bin/distillery.mjs', 'package/schemas/json/sft-record.schema.json', 'package/models/distillery-tiny-r1/onnx/model.onnx', 'package/dist/src/judges/math/worker.js']) {
    assert.ok(files.includes(f), `ships ${f}`);
  }
  for (const f of files) assert.doesNotMatch(f, /^package\/(test|bench|docs|src|pipelines|datasets)\//, `does not ship ${f}`);

  rmSync(project, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(project);
  assert.equal((await sh('npm', ['init', '-y'])).code, 0);
  const install = await sh('npm', ['install', '--prefer-offline', path.join(work, tarball)]);
  assert.equal(install.code, 0, install.stderr);
});

test('import from plain Node, and strict TypeScript consumers type-check against the declarations', { timeout: 300_000 }, async () => {
  const r = await sh(process.execPath, ['--input-type=module', '-e', "const d = await import('distillery'); console.log(typeof d.definePipeline, typeof d.onnx, 'openAIServer' in d)"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'function function false');
  writeFileSync(
    path.join(project, 'typed.mts'),
    `import { definePipeline, jsonl, openai, keepAccepted, type Judge, type Backend, type Source, type BuildStore } from 'distillery';
const judges: Judge[] = [];
const backend: Backend = openai({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm' });
export const sources: Source[] = [jsonl('prompts.jsonl')];
export type Store = BuildStore;
export default definePipeline({ name: 'typed', sources, backend, judges, selection: keepAccepted() });
`,
  );
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const t = await sh(process.execPath, [tsc, '--noEmit', '--strict', '--skipLibCheck', 'false', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(repoRoot, 'node_modules', '@types'), 'typed.mts']);
  assert.equal(t.code, 0, t.stdout + t.stderr);
});

test("a user's pipelines run outside the repository with the installed bin: .ts in a commonjs project, .mjs without tsx", { timeout: 600_000 }, async () => {
  writeFileSync(
    path.join(project, 'prompts.jsonl'),
    ['{"id":"a","prompt":"What is 2 + 3?","reference":"5","domain":"math"}', '{"id":"b","prompt":"What is 4 + 4?","reference":"8","domain":"math"}'].join('\n') + '\n',
  );
  writeFileSync(
    path.join(project, 'p.ts'),
    `import { definePipeline, jsonl, onnx, formatJudge, mathJudge, keepAccepted } from 'distillery';
const k: number = 2;
export default definePipeline({
  name: 'user-ts',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url))],
  backend: onnx(),
  generation: { k, maxTokens: 48 },
  judges: [formatJudge({ prefilledThink: true }), mathJudge({ workers: 1 })],
  selection: keepAccepted(),
});
`,
  );
  const installed = path.join(project, 'node_modules', 'distillery');
  const before = snapshot(installed);
  const r = await sh(bin(), ['run', 'p.ts', '--out', 'out-ts', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { totals: { prompts: number; samples: number } };
  assert.deepEqual([report.totals.prompts, report.totals.samples], [2, 4]);
  assert.ok(existsSync(path.join(project, 'out-ts', 'manifest.json')));
  // The HTML report from the chart script bundled at build time (no esbuild in an installed package).
  assert.ok(existsSync(path.join(project, 'out-ts', 'report.html')), 'report.html written');
  assert.deepEqual(snapshot(installed), before, 'nothing is written into the installed package');

  // An OpenAI-only JavaScript pipeline: neither tsx, onnxruntime-node nor DuckDB is loaded. A resolve hook
  // records every package the process loads.
  const server = await startOpenAITestServer();
  try {
    writeFileSync(
      path.join(project, 'p.mjs'),
      `import { definePipeline, jsonl, openai, keepAccepted, exactAnswerJudge } from 'distillery';
export default definePipeline({
  name: 'user-mjs',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url))],
  backend: openai({ baseUrl: ${JSON.stringify(server.baseUrl)}, model: 'teacher', retries: 0 }),
  generation: { k: 2 },
  judges: [exactAnswerJudge()],
  selection: keepAccepted(),
});
`,
    );
    writeFileSync(path.join(project, 'hooks.mjs'), `export async function resolve(s, c, next) { const r = await next(s, c); if (/node_modules\\/(tsx|onnxruntime-node|@duckdb)\\//.test(r.url)) process.stderr.write('LOADED ' + r.url + '\\n'); return r; }\n`);
    writeFileSync(path.join(project, 'record.mjs'), `import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);\n`);
    const m = await sh(process.execPath, ['--import', './record.mjs', bin(), 'run', 'p.mjs', '--out', 'out-mjs', '--json', '--no-report']);
    assert.equal(m.code, 0, m.stderr);
    assert.equal((JSON.parse(m.stdout) as { totals: { samples: number } }).totals.samples, 4);
    assert.doesNotMatch(m.stderr, /LOADED \S+\/(tsx|onnxruntime-node)\//, 'an OpenAI-only .mjs pipeline loads neither tsx nor onnxruntime-node');
    // DuckDB loads on use only: at the end, to read the shards back for the dataset card's figures.
    assert.match(m.stderr, /LOADED \S+\/@duckdb\//, 'the card reads the shards through DuckDB');
  } finally {
    await server.close();
  }

  // distillery init scaffolds a project that runs as is (here inside the project that has distillery installed).
  const init = await sh(bin(), ['init', 'scaffold']);
  assert.equal(init.code, 0, init.stderr);
  const built = await sh(bin(), ['run', 'scaffold/pipeline.ts', '--out', 'out-init', '--set', 'k=1', '--json']);
  assert.equal(built.code, 0, built.stderr);
  assert.equal((JSON.parse(built.stdout) as { totals: { samples: number } }).totals.samples, 4);
  const params = await sh(bin(), ['run', 'scaffold/pipeline.ts', '--help']);
  assert.match(params.stdout, /--set k=NUMBER +samples per prompt \(default: 4\)/);
});

test('misspelt options and flags fail with the names; --help on every command', { timeout: 300_000 }, async () => {
  writeFileSync(
    path.join(project, 'typo.ts'),
    `import { definePipeline, jsonl, onnx, keepAccepted } from 'distillery';
export default definePipeline({ name: 'typo', sources: [jsonl(new URL('./prompts.jsonl', import.meta.url))], backend: onnx(), generation: { temprature: 0.1 }, judges: [], selection: keepAccepted() });
`,
  );
  const typo = await sh(bin(), ['run', 'typo.ts', '--out', 'out-typo']);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /typo\.ts: pipeline config: generation\.temprature: unknown option — did you mean temperature\?/);
  assert.equal(existsSync(path.join(project, 'out-typo')), false, 'nothing ran');
  const flag = await sh(bin(), ['run', 'p.ts', '--out', 'x', '--limt', '1']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /unknown flag --limt — did you mean --limit\?/);

  const commands = ['', 'run', 'inspect', 'judge', 'judge math', 'judge code', 'judge format', 'judge readability', 'judge generative', 'batch', 'batch export', 'batch import', 'merge', 'report', 'launch', 'serve', 'init'];
  for (const c of commands) {
    const h = await sh(bin(), [...c.split(' ').filter(Boolean), '--help']);
    assert.equal(h.code, 0, `${c} --help: ${h.stderr}`);
    assert.match(h.stdout, /^usage: distillery /, c);
  }
  const v = await sh(bin(), ['--version']);
  assert.match(v.stdout, /^\d+\.\d+\.\d+/);
});
