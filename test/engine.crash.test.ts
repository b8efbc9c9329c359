import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readdir } from 'node:fs/promises';
import { corpusDigest, duck, runCli, startCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from './support/engine-fixture.ts';

const CORPORA: [string, string][] = [
  ['sft', 'id'],
  ['distill', 'id'],
  ['samples', 'key'],
  ['prefs', 'id'],
];

/** Deterministic pseudo-random numbers from a printed seed, so a failing kill schedule can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
}

test('SIGKILL at random moments, resumed each time, gives exactly the rows of an uninterrupted run', async () => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
  const random = rng(seed);
  const dir = tempWorkdir('crash');
  const n = 240;
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), n);
  writeRecordings(path.join(dir, 'recordings.jsonl'), n, 3);
  // A slowed backend (commit after every batch) so a run lasts long enough to be killed many times mid-way.
  writePipeline(path.join(dir, 'pipe.ts'), { k: 3, batchSize: 4, concurrency: 2, delayMs: 15 });

  const reference = path.join(dir, 'reference');
  const ref = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', reference]);
  assert.equal(ref.code, 0, ref.stderr);

  const out = path.join(dir, 'out');
  let kills = 0;
  for (let attempt = 0; attempt < 40; attempt++) {
    const { child, done } = startCli(['run', path.join(dir, 'pipe.ts'), '--out', out], { env: { DISTILLERY_LOG_SECONDS: '0' } });
    if (kills < 5) {
      // Kill after a random number of progress lines plus a random few milliseconds: inside sampling, judging, or a commit.
      const afterLines = 1 + Math.floor(random() * 12);
      const extraMs = Math.floor(random() * 30);
      let lines = 0;
      const killed = new Promise<boolean>((resolve) => {
        child.stderr!.on('data', (d: Buffer) => {
          lines += d.toString().split('"progress"').length - 1;
          if (lines >= afterLines) setTimeout(() => resolve(child.kill('SIGKILL')), extraMs);
        });
        child.on('close', () => resolve(false));
      });
      const r = await done;
      if ((await killed) && r.signal === 'SIGKILL') {
        kills++;
        // Between a crash and the resume, every corpus stays readable: no partial file matches the glob. A kill
        // before the first commit (or before the first row of a corpus) leaves no file at all, which is valid.
        for (const [corpus] of CORPORA) {
          const files = (await readdir(path.join(out, corpus)).catch(() => [] as string[])).filter((f) => f.endsWith('.parquet'));
          if (files.length === 0) continue;
          await duck(`SELECT count(*) FROM read_parquet('${out}/${corpus}/*.parquet')`).catch((e) => assert.fail(`seed ${seed}: after kill ${kills}, ${corpus}/*.parquet unreadable: ${e.message}`));
        }
        continue;
      }
      assert.equal(r.code, 0, `seed ${seed}: ${r.stderr}`);
      break; // finished before the kill landed
    }
    const r = await done;
    assert.equal(r.code, 0, `seed ${seed}: ${r.stderr}`);
    break;
  }
  assert.ok(kills >= 5, `seed ${seed}: only ${kills} kills landed mid-run`);

  for (const [corpus, key] of CORPORA) {
    const want = await corpusDigest(reference, corpus, key);
    const got = await corpusDigest(out, corpus, key);
    assert.equal(new Set(got.map((x) => x.split(' ')[0])).size, got.length, `seed ${seed}: ${corpus}: duplicated rows`);
    assert.deepEqual(got, want, `seed ${seed}: ${corpus}: rows differ from the uninterrupted run`);
  }
  const [{ prompts }] = await duck<{ prompts: number }>(`SELECT count(DISTINCT prompt_id)::INT prompts FROM read_parquet('${out}/samples/*.parquet')`);
  assert.equal(prompts, n);
});
