/**
 * `distillery merge` at scale: N shard directories joined without copying data (hard links; across file systems a
 * copy, or symlinks when asked), and the merged build's counters summed and dataset card from DuckDB over its shards.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { corpusDigest, runCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from './support/engine-fixture.ts';

test('merge of 3 shards: hard links (no data copied), the counters summed and the card of the whole; another file system: copy or symlink', async (t) => {
  const work = tempWorkdir('merge');
  // /dev/shm is another file system here (tmpfs); where it is not, the cross-device case is skipped with a reason.
  const other = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(work).dev ? mkdtempSync('/dev/shm/distillery-merge-') : null;
  try {
    writeGsm8kPrompts(path.join(work, 'prompts.jsonl'), 30);
    writeRecordings(path.join(work, 'recordings.jsonl'), 30, 4);
    writePipeline(path.join(work, 'p.ts'));
    const shards = [0, 1, 2].map((i) => path.join(work, `shard-${i}`));
    for (const [i, dir] of shards.entries()) {
      const r = await runCli(['run', 'p.ts', '--out', dir, '--shard', `${i}/3`], { cwd: work });
      assert.equal(r.code, 0, r.stderr);
    }
    const whole = path.join(work, 'whole');
    assert.equal((await runCli(['run', 'p.ts', '--out', whole], { cwd: work })).code, 0);

    const merged = path.join(work, 'merged');
    const m = await runCli(['merge', ...shards, '--out', merged, '--json'], { cwd: work });
    assert.equal(m.code, 0, m.stderr);
    assert.equal(JSON.parse(m.stdout).method, 'hardlink');
    const manifest = JSON.parse(readFileSync(path.join(merged, 'manifest.json'), 'utf8')) as { shards: { path: string }[]; report: { totals: { rows: Record<string, number> } } };
    for (const s of manifest.shards) assert.ok(statSync(path.join(merged, s.path)).nlink >= 2, `${s.path} is not a hard link`);
    assert.deepEqual(await corpusDigest(merged, 'samples', 'key'), await corpusDigest(whole, 'samples', 'key'));

    // The dataset card: every shard's files under each config, and the figures of the unsharded build.
    const card = readFileSync(path.join(merged, 'README.md'), 'utf8');
    const wholeCard = readFileSync(path.join(whole, 'README.md'), 'utf8');
    assert.match(card, /config_name: sft/);
    const wholeManifest = JSON.parse(readFileSync(path.join(whole, 'manifest.json'), 'utf8')) as { report: { totals: { rows: Record<string, number> } } };
    assert.deepEqual(manifest.report.totals.rows, wholeManifest.report.totals.rows, 'summed counters equal the unsharded build');
    // Every table line but the per-file ones (more shard files), where the build is and run times.
    const figures = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('|') && !/^\| (out|totals\.seconds|run\.|sampling\.|merged\.)/.test(l))
        .map((l) => l.replace(/^\| (sft|distill|samples|prefs) \| ([\d,]+) \| .*$/, '| $1 | $2 |'))
        .join('\n');
    assert.equal(figures(card), figures(wholeCard), 'the card figures equal the unsharded build');
    // The merged build's HTML report, from the same figures.
    const page = readFileSync(path.join(merged, 'report.html'), 'utf8');
    assert.match(page, /^<!doctype html>/i);
    assert.ok(page.length < 2_000_000, 'the page stays small');

    if (!other) {
      t.diagnostic('cross-file-system merge not checked: /dev/shm is not another file system here');
      return;
    }
    const copied = path.join(other, 'copied');
    const c = await runCli(['merge', ...shards, '--out', copied, '--json'], { cwd: work });
    assert.equal(c.code, 0, c.stderr);
    assert.equal(JSON.parse(c.stdout).method, 'copy', 'across file systems a hard link is impossible: copied');
    assert.deepEqual(await corpusDigest(copied, 'samples', 'key'), await corpusDigest(whole, 'samples', 'key'));

    const linked = path.join(other, 'linked');
    const l = await runCli(['merge', ...shards, '--out', linked, '--files', 'symlink'], { cwd: work });
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /symlinked to the shard directories/);
    const first = JSON.parse(readFileSync(path.join(linked, 'manifest.json'), 'utf8')).shards[0].path as string;
    assert.ok(lstatSync(path.join(linked, first)).isSymbolicLink());
    assert.deepEqual(await corpusDigest(linked, 'samples', 'key'), await corpusDigest(whole, 'samples', 'key'));
  } finally {
    rmSync(work, { recursive: true, force: true });
    if (other) rmSync(other, { recursive: true, force: true });
  }
});
