import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { bundleWorker, startWorker, workerScript } from '../src/workers/worker-bundle.ts';
import type { ProbeReply } from './support/plain-worker-probe.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'worker-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const probe = new URL('./support/plain-worker-probe.ts', import.meta.url);
const aTsModule = new URL('./support/seeded-random.ts', import.meta.url).href;

async function ask(worker: Worker): Promise<ProbeReply> {
  try {
    return await new Promise<ProbeReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage({ tsModule: aTsModule });
    });
  } finally {
    await worker.terminate();
  }
}

test('startWorker runs the entry bundled as plain JS: no tsx loader, no inherited --import, packages resolve', async () => {
  const script = workerScript(probe);
  assert.equal(script.kind, 'bundle', script.kind === 'tsx' ? script.reason : '');
  assert.match(script.kind === 'bundle' ? script.file : '', /node_modules[\\/]\.cache[\\/]distillery[\\/]workers[\\/]test\.support\.plain-worker-probe-[0-9a-f]{16}\.mjs$/);
  const reply = await ask(startWorker(probe));
  assert.equal(reply.tsImport, 'ERR_UNKNOWN_FILE_EXTENSION', 'the worker has no TypeScript loader');
  assert.deepEqual(reply.execArgv, []);
  assert.equal(reply.roundTrip, 'plain plain plain plain plain');
});

test('startWorker falls back to tsx, with one line on stderr, when the bundle cannot be written', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'file'), '');
  const unwritable = path.join(dir, 'file', 'cache'); // under a regular file: mkdir fails
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => lines.push(chunk) > 0) as typeof process.stderr.write;
  let worker: Worker;
  try {
    worker = startWorker(probe, {}, unwritable);
    startWorker(probe, {}, unwritable).terminate();
  } finally {
    process.stderr.write = write;
  }
  assert.equal(lines.length, 1, lines.join(''));
  assert.match(lines[0], /workers start through tsx/);
  assert.equal(workerScript(probe, unwritable).kind, 'tsx');
  const reply = await ask(worker);
  assert.equal(reply.tsImport, 'ok', 'the fallback worker has tsx');
  assert.equal(reply.roundTrip, 'plain plain plain plain plain');
});

test('bundleWorker: the same source gives the same file, an edited one a new file; only the newest few are kept', (t) => {
  const dir = tempDir(t);
  const cache = path.join(dir, 'cache');
  const source = path.join(dir, 'entry.ts');
  const entry = pathToFileURL(source);
  const files: string[] = [];
  for (let version = 0; version < 7; version++) {
    writeFileSync(source, `const version: number = ${version};\nconsole.log(version);\n`);
    const { file } = bundleWorker(entry, cache);
    assert.equal(bundleWorker(entry, cache).file, file);
    files.push(path.basename(file));
  }
  assert.equal(new Set(files).size, 7);
  const left = readdirSync(cache);
  assert.equal(left.length, 4, left.join(' '));
  assert.ok(left.includes(files[6]), 'the newest bundle is kept');
});

test('bundleWorker refuses an entry whose code uses import.meta (it would point into the cache)', (t) => {
  const dir = tempDir(t);
  const source = path.join(dir, 'entry.ts');
  writeFileSync(source, `console.log(new URL('./data.bin', import.meta.url).href);\n`);
  assert.throws(() => bundleWorker(pathToFileURL(source), path.join(dir, 'cache')), /import\.meta/);
});
