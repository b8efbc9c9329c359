/**
 * Edited inputs between runs of one build directory: resume goes by prompt id, never by position. A changed
 * input is refused (naming it, and the way forward) unless --allow-input-change; with it, new prompts are built
 * and removed ones reported. Each case, on a stopped build (--limit) and on a finished one, ends compared to an
 * uninterrupted build over every prompt the directory has seen (key + content hash of every corpus row).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadPipeline } from '../src/pipeline/load-pipeline.ts';
import { runPipeline } from '../src/pipeline/engine.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { corpusDigest, runCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from './support/engine-fixture.ts';

const N = 24;
const dir = tempWorkdir('edited-inputs');
writeGsm8kPrompts(path.join(dir, 'all.jsonl'), N);
writeRecordings(path.join(dir, 'recordings.jsonl'), N, 3);
const all = readFileSync(path.join(dir, 'all.jsonl'), 'utf8').trim().split('\n');
after(() => rmSync(dir, { recursive: true, force: true }));

/** A pipeline in `<name>/` over its `prompts.jsonl` holding `lines` of the full set (by index). */
function setup(name: string, lines: number[]) {
  const sub = path.join(dir, name);
  mkdirSync(sub);
  copyFileSync(path.join(dir, 'package.json'), path.join(sub, 'package.json'));
  copyFileSync(path.join(dir, 'recordings.jsonl'), path.join(sub, 'recordings.jsonl'));
  const edit = (next: number[]) => writeFileSync(path.join(sub, 'prompts.jsonl'), next.map((i) => all[i]).join('\n') + '\n');
  edit(lines);
  const file = path.join(sub, 'pipeline.ts');
  writePipeline(file, { k: 3, batchSize: 2 });
  return { file, edit, out: path.join(sub, 'out') };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

async function digest(out: string) {
  return Promise.all([['sft', 'id'], ['distill', 'id'], ['samples', 'key'], ['prefs', 'id']].map(([c, k]) => corpusDigest(out, c, k)));
}

/** An uninterrupted build over these prompt lines: the rows a resumed build must end with. */
async function reference(name: string, lines: number[]) {
  const r = setup(`ref-${name}`, lines);
  await runPipeline(await loadPipeline(r.file), { out: r.out });
  return digest(r.out);
}

async function build(file: string, out: string, opts: { limit?: number; allowInputChange?: boolean } = {}) {
  return runPipeline(await loadPipeline(file), { out, ...opts });
}

describe('edited inputs resume by prompt id', () => {
  test('prepend 4 prompts to a stopped build: refused without the flag (naming the input), built by id with it', async () => {
    const b = setup('prepend', range(4, 20));
    await build(b.file, b.out, { limit: 8 });
    b.edit([...range(0, 4), ...range(4, 20)]);
    await assert.rejects(build(b.file, b.out), (e: Error) => e.name === 'ConfigError' && /input changed since the build's last commit: prompts\.jsonl \(sha256 /.test(e.message) && /--allow-input-change/.test(e.message));
    const report = await build(b.file, b.out, { allowInputChange: true });
    assert.equal(report.interrupted, false);
    assert.equal(report.run.prompts, 20 - 8);
    assert.equal(report.inputChanges?.removedPrompts, 0);
    assert.deepEqual(await digest(b.out), await reference('prepend', range(0, 20)));
    // The manifest now records the input it read: the next run resumes without the flag.
    assert.equal((await build(b.file, b.out)).run.prompts, 0);
  });

  test('insert, delete and change lines of a finished build: new prompts built, removed ones reported, committed rows kept', async () => {
    const b = setup('finished', range(0, 16));
    await build(b.file, b.out);
    assert.equal((await readManifest(b.out))!.finished, true);
    // Insert p16 and p17 in the middle, delete p3, "change" p5's line into p18 (a new prompt id).
    const next = [...range(0, 8).filter((i) => i !== 3 && i !== 5), 16, 17, ...range(8, 16), 18];
    b.edit(next);
    await assert.rejects(build(b.file, b.out), /input changed/);
    const report = await build(b.file, b.out, { allowInputChange: true });
    assert.equal(report.run.prompts, 3);
    assert.equal(report.inputChanges?.removedPrompts, 2);
    assert.equal((await readManifest(b.out))!.finished, true);
    // Every prompt the directory has seen, each once: the old 16 (p3 and p5 stay) and the 3 new.
    assert.deepEqual(await digest(b.out), await reference('finished', range(0, 19)));
  });

  test('delete and insert lines of a stopped build: the rest of the new input is built, nothing twice', async () => {
    const b = setup('stopped', range(0, 20));
    await build(b.file, b.out, { limit: 10 });
    const next = [...range(0, 10).filter((i) => i !== 2), 21, ...range(10, 20).filter((i) => i !== 15), 20];
    b.edit(next);
    const report = await build(b.file, b.out, { allowInputChange: true });
    assert.equal(report.run.prompts, 11);
    assert.equal(report.inputChanges?.removedPrompts, 1);
    assert.deepEqual(await digest(b.out), await reference('stopped', [...range(0, 15), ...range(16, 22)]));
  });

  test('distillery run: the refusal names the input and the flag; --allow-input-change resumes', async () => {
    const b = setup('cli', range(0, 6));
    const first = await runCli(['run', b.file, '--out', b.out]);
    assert.equal(first.code, 0, first.stderr);
    b.edit([...range(0, 6), 6, 7]);
    const refused = await runCli(['run', b.file, '--out', b.out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /input changed since the build's last commit: prompts\.jsonl .*--allow-input-change/);
    const allowed = await runCli(['run', b.file, '--out', b.out, '--allow-input-change']);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /this run: 2 prompts/);
    assert.match(allowed.stdout, /inputs changed since the last commit \(prompts\.jsonl\): resumed by prompt id; 0 committed prompts are no longer in the inputs/);
  });
});
