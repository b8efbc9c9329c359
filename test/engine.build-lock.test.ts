/**
 * One build per directory: two real `distillery run` processes racing for one --out (a cron overlap), a stale lock
 * left by a killed process or from before a reboot, merge --out into a directory in use, and inspect reading a
 * directory while a run holds it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { LOCK_FILE } from '../src/pipeline/build-lock.ts';
import { corpusDigest, runCli, startCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from './support/engine-fixture.ts';

const dir = tempWorkdir('lock');
writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 24);
writeRecordings(path.join(dir, 'recordings.jsonl'), 24, 2);
const slow = path.join(dir, 'slow.ts');
writePipeline(slow, { k: 2, batchSize: 2, concurrency: 1, delayMs: 300 });
const slower = path.join(dir, 'slower.ts');
writePipeline(slower, { k: 2, batchSize: 1, concurrency: 1, delayMs: 1500 });
const fast = path.join(dir, 'fast.ts');
writePipeline(fast, { k: 2, batchSize: 2, concurrency: 1 });
after(() => rmSync(dir, { recursive: true, force: true }));

const digest = (out: string) => Promise.all([corpusDigest(out, 'samples', 'key'), corpusDigest(out, 'sft', 'id')]);

describe('one build per directory', () => {
  test('two processes racing for one --out: one builds, the other is refused at once naming the holder; inspect reads meanwhile', async () => {
    const out = path.join(dir, 'race');
    const a = startCli(['run', slow, '--out', out]);
    const b = startCli(['run', slow, '--out', out]);
    const first = await Promise.race([a.done.then((r) => ({ r, who: 'a' })), b.done.then((r) => ({ r, who: 'b' }))]);
    assert.equal(first.r.code, 1, `the loser exits first: ${first.r.stderr}`);
    assert.match(first.r.stderr, /is in use by another writer: distillery run engine-test \(pid \d+ on /);
    const winner = first.who === 'a' ? b : a;
    assert.ok(existsSync(path.join(out, LOCK_FILE)), 'the winner holds the lock while it runs');
    const inspect = await runCli(['inspect', out, '--json']);
    assert.equal(inspect.code, 0, `inspect reads without the lock: ${inspect.stderr}`);
    const done = await winner.done;
    assert.equal(done.code, 0, done.stderr);
    assert.ok(!existsSync(path.join(out, LOCK_FILE)), 'released at exit');

    const ref = path.join(dir, 'race-ref');
    assert.equal((await runCli(['run', fast, '--out', ref])).code, 0);
    assert.deepEqual(await digest(out), await digest(ref));
  });

  test('a stale lock (holder killed, or from before a reboot) is recognised and taken over', async () => {
    const out = path.join(dir, 'stale');
    // A lock left by a process that is gone: spawn one, let it end, and write its pid into the lock.
    const gone = startCli(['--help']);
    await gone.done;
    const lock = (pid: number, bootId: string | null) =>
      writeFileSync(path.join(out, LOCK_FILE), JSON.stringify({ pid, host: hostname(), bootId, startTicks: null, command: 'distillery run old', since: '2020-01-01T00:00:00Z' }));
    assert.equal((await runCli(['run', fast, '--out', out, '--limit', '4'])).code, 0);
    lock(gone.child.pid!, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const r1 = await runCli(['run', fast, '--out', out, '--limit', '8']);
    assert.equal(r1.code, 0, r1.stderr);
    // Our own live pid, but recorded under another boot: a reboot happened since, so the holder is gone.
    lock(process.pid, '00000000-0000-0000-0000-000000000000');
    const r2 = await runCli(['run', fast, '--out', out]);
    assert.equal(r2.code, 0, r2.stderr);
    // The same live pid under this boot is a live holder: refused.
    lock(process.pid, readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    const r3 = await runCli(['run', fast, '--out', out]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, new RegExp(`in use by another writer: distillery run old \\(pid ${process.pid} `));
    rmSync(path.join(out, LOCK_FILE));

    const ref = path.join(dir, 'stale-ref');
    assert.equal((await runCli(['run', fast, '--out', ref])).code, 0);
    assert.deepEqual(await digest(out), await digest(ref));
  });

  test('merge --out into a directory a run holds is refused naming the run', async () => {
    const out = path.join(dir, 'merge-target');
    const running = startCli(['run', slower, '--out', out]);
    while (!existsSync(path.join(out, LOCK_FILE))) await new Promise((r) => setTimeout(r, 50));
    const m = await runCli(['merge', path.join(dir, 'race'), '--out', out]);
    assert.equal(m.code, 1);
    assert.match(m.stderr, /is in use by another writer: distillery run engine-test/);
    running.child.kill('SIGINT');
    assert.equal((await running.done).code, 130);
  });
});
