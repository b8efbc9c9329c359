import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputConfig } from '../schemas/pipeline.ts';
import { Prompt } from '../schemas/prompt.ts';
import { Verdict } from '../schemas/verdict.ts';
import { statsFrom } from '../src/pipeline/build-stats.ts';
import { Committer, type BatchOutcome } from '../src/pipeline/commit.ts';
import type { BuildIdentity } from '../src/sinks/build-store.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { promptRows } from './support/corpus-rows.ts';

const identity: BuildIdentity = { pipeline: 'commit-test', config: { name: 'commit-test' }, configHash: 'c'.repeat(64), codeVersion: 'test', inputs: [{ name: 'p.jsonl', sha256: 'a'.repeat(64) }] };
const output = OutputConfig.parse({ shardRows: 6, commitEverySeconds: 3600 });

/** The outcome of prompt p (k = 2: sample 0 accepted and selected, sample 1 rejected), as shape gives it. */
function promptItem(p: number, resampled = false): BatchOutcome['items'][number] {
  const rows = promptRows(p, { k: 2, meanChars: 200 });
  const prompt = Prompt.parse({ id: rows.samples[0].prompt_id, messages: [{ role: 'user', content: `q${p}` }], domain: rows.samples[0].domain, source: 't' });
  const verdicts = rows.samples.map((s) => s.verdicts.map((v) => Verdict.parse({ judge: v.judge, verdict: v.verdict, category: v.category, score: v.score, reason: v.reason, detail: null })));
  return { kind: 'prompt', prompt, rows, verdicts, resampled };
}

test('commit: outcomes in order into chunks and counters; a full chunk is due; the commit stores rows and stats; a failed prompt stays pending', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-commit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = openParquetBuildStore(dir, output);
  const resume = await store.open(identity);
  const committer = new Committer(store, statsFrom(resume.stats), { shardRows: output.shardRows, shardBytes: output.shardBytes, commitEverySeconds: output.commitEverySeconds, commits: 0, seconds: () => 1.5 });
  const failedPrompt = Prompt.parse({ id: 'down', messages: [{ role: 'user', content: 'q' }], source: 't' });
  committer.take({
    lastOrdinal: 3,
    aborted: false,
    items: [promptItem(0), { kind: 'duplicate' }, { kind: 'failed', prompt: failedPrompt, reason: 'connection reset' }, { kind: 'quarantine', record: { file: 'p.jsonl', line: 4, reason: 'invalid-json: x', raw: '{' } }],
  });
  assert.equal(committer.due, false);
  assert.deepEqual([...committer.pending], ['down']);
  committer.take({ lastOrdinal: 5, aborted: false, items: [promptItem(1), promptItem(2)] });
  assert.equal(committer.due, true, '6 sample rows: a full chunk');
  await committer.commit();
  assert.equal(committer.commits, 1);
  let manifest = (await readManifest(dir))!;
  assert.equal(manifest.totals.samples.rows, 6);
  assert.equal(manifest.totals.quarantine.rows, 1);
  const stats = manifest.stats as { consumed: number; prompts: number; duplicates: number; backendPending: string[]; quarantine: Record<string, number>; seconds: number };
  assert.deepEqual([stats.consumed, stats.prompts, stats.duplicates, stats.backendPending, stats.quarantine, stats.seconds], [6, 3, 1, ['down'], { 'invalid-json': 1 }, 1.5]);
  // The failed prompt sampled again (resampled) in a later batch: done, counted once as resampled.
  const again = promptItem(3, true);
  committer.take({ lastOrdinal: 6, aborted: false, items: [again] });
  await committer.flush();
  manifest = (await readManifest(dir))!;
  assert.equal(manifest.commits, 2);
  assert.equal((manifest.stats as { resampled: number }).resampled, 1);
  await committer.flush();
  assert.equal((await readManifest(dir))!.commits, 2, 'nothing new: no empty commit');
  await store.close();
});

test('commit: a domain quota counts skipped prompts and trims the one that meets it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-commit-q-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = openParquetBuildStore(dir, output);
  await store.open(identity);
  const items = [0, 1, 2, 3, 4, 5].map((p) => promptItem(p));
  const domain = (items[0] as { prompt: Prompt }).prompt.domain;
  const committer = new Committer(store, statsFrom(null), { quotas: { [domain]: 1 }, shardRows: 100, shardBytes: output.shardBytes, commitEverySeconds: 3600, commits: 0, seconds: () => 0 });
  committer.take({ lastOrdinal: 6, aborted: false, items: [...items, { kind: 'quota' }] });
  const sameDomain = items.filter((i) => (i as { prompt: Prompt }).prompt.domain === domain).length;
  assert.equal(committer.stats.domains[domain].sft, 1);
  assert.equal(committer.stats.quotaSkipped, sameDomain - 1 + 1);
  await committer.flush();
  await store.close();
});
