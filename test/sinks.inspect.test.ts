import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OutputConfig } from '../schemas/pipeline.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { chunkRows } from './support/corpus-rows.ts';
import { formatBytes } from '../src/sinks/units.ts';
import { verifyShards } from '../src/sinks/inspect-build.ts';
import { buildFigures } from '../src/sinks/build-figures.ts';

const run = promisify(execFile);
const bin = new URL('../bin/distillery.mjs', import.meta.url).pathname;

async function inspect(dir: string, ...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'inspect', dir, ...flags]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('distillery inspect summarises a build through DuckDB and fails on a checksum mismatch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-inspect-'));
  try {
    const store = openParquetBuildStore(dir, OutputConfig.parse({ shardRows: 30 }), { workers: 1 });
    await store.open({ pipeline: 'inspect-test', config: {}, configHash: 'c'.repeat(64), codeVersion: 'test', inputs: [] });
    const chunk = chunkRows(0, 40, { k: 4, meanChars: 300 });
    chunk.quarantine.push({ file: 'in.jsonl', line: 9, reason: 'missing field "problem"', raw: '{}' });
    await store.commit(chunk, {});
    await store.finish({});
    await store.close();

    const ok = await inspect(dir, '--json');
    assert.equal(ok.code, 0, ok.stderr);
    const r = JSON.parse(ok.stdout);
    assert.equal(r.healthy, true);
    assert.deepEqual(
      r.corpora.map((c: { corpus: string; rows: number; manifestRows: number }) => [c.corpus, c.rows, c.manifestRows]),
      [['sft', 40, 40], ['distill', 40, 40], ['samples', 160, 160], ['prefs', 40, 40], ['quarantine', 1, 1]],
    );
    assert.deepEqual(r.acceptanceByDomain.find((d: { domain: string }) => d.domain === 'math'), { domain: 'math', samples: 40, accepted: 20, rate: 0.5 });
    assert.deepEqual(r.verdictsByJudge.find((j: { judge: string }) => j.judge === 'math'), { judge: 'math', pass: 80, fail: 80, error: 0, passRate: 0.5 });
    assert.equal(r.topRejectionReasons[0].judge, 'math');
    assert.equal(r.topRejectionReasons[0].category, 'wrong_answer');
    // Each "expected 12, got 13" is its own reason; the category groups all 80 of them.
    assert.ok(r.topRejectionReasons[0].count < 80);
    assert.deepEqual(r.rejectionsByCategory, [{ judge: 'math', category: 'wrong_answer', fail: 80, error: 0 }]);
    assert.deepEqual(r.topDisagreements, [{ disagreement: 'math:fail/generative:pass', count: 40 }]);
    const completion = r.tokenPercentiles.find((t: { corpus: string; column: string }) => t.corpus === 'samples' && t.column === 'completion_tokens');
    assert.ok(completion.p50 > 0 && completion.p50 <= completion.p90 && completion.p90 <= completion.max);
    assert.equal(r.checksums.problems.length, 0);
    // A build's own card and page check sizes, and say so.
    const figures = await buildFigures(dir, undefined, { shardCheck: 'size' });
    assert.equal(figures.health.level, 'good');
    assert.match(figures.health.line, /(\d+) of \1 shards match the manifest's sizes \(sha256 taken as they were written; distillery inspect re-hashes them\)/);

    const text = await inspect(dir);
    assert.match(text.stdout, /Acceptance by domain/);
    assert.match(text.stdout, /Rejections by category[^\n]*\n.*\nmath\s+wrong_answer\s+80\s+0/);
    assert.match(text.stdout, /shards match the manifest/);
    assert.match(text.stdout, /^sft +\d+ +40 +40 +\d+(\.\d+)? kB$/m, 'shard sizes in a readable unit (kB for small shards, not "MB 0")');
    assert.match(text.stdout, /^quarantine +\d+ +1 +1 +\d+ B$/m);

    // Flip one byte inside a committed shard: same size, different checksum.
    const m = (await readManifest(dir))!;
    const victim = join(dir, m.shards.find((s) => s.corpus === 'sft')!.path);
    const bytes = await readFile(victim);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    await writeFile(victim, bytes);
    const bad = await inspect(dir);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /mismatch\s+sft\/part-00000/);
    assert.match(bad.stderr, /does not match its manifest/);

    // The size check does not see a flipped byte; it does see a cut-off shard.
    assert.deepEqual(await verifyShards(dir, m, 'size'), { ok: m.shards.length, problems: [], method: 'size' });
    assert.equal((await verifyShards(dir, m)).problems[0]?.status, 'mismatch');
    await writeFile(victim, bytes.subarray(0, bytes.length - 1));
    const cut = await verifyShards(dir, m, 'size');
    const entry = m.shards.find((s) => s.corpus === 'sft')!;
    assert.deepEqual(cut.problems, [{ path: entry.path, status: 'mismatch', expected: `${entry.bytes} bytes`, actual: `${entry.bytes - 1} bytes` }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('formatBytes: sizes in the unit that reads best', () => {
  assert.deepEqual([0, 999, 1000, 3229, 21_448, 999_499, 14_000_000, 3.41e9].map(formatBytes), ['0 B', '999 B', '1.00 kB', '3.23 kB', '21.4 kB', '999 kB', '14.0 MB', '3.41 GB']);
});
