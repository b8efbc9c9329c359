/**
 * `distillery launch slurm` on a real Slurm (munged, slurmctld, slurmd started here without systemd): a 3-task job
 * array of the demo pipeline plus the merge job, compared row by row with the same build run unsharded.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { corpusDigest, repoRoot, runCli, tempWorkdir } from './support/engine-fixture.ts';
import { SlurmCluster, slurmMissing } from './support/slurm-cluster.ts';

const missing = await slurmMissing();
let cluster: SlurmCluster | null = null;
let work = '';

before(async () => {
  if (missing) return;
  work = tempWorkdir('slurm');
  // The demo pipeline over 10 of its prompts (both domains) and k = 4: small enough for seconds. A subset rather
  // than --limit: --limit counts within a shard, so 3 shards of --limit L are not the unsharded --limit L.
  const lines = readFileSync(path.join(repoRoot, 'datasets/tiny-r1-mix/prompts.jsonl'), 'utf8').trim().split('\n');
  writeFileSync(path.join(work, 'prompts.jsonl'), [...lines.slice(0, 6), ...lines.slice(48, 52)].join('\n') + '\n');
  const src = (p: string) => pathToFileURL(path.join(repoRoot, p)).href;
  writeFileSync(
    path.join(work, 'demo-small.ts'),
    `import demo from '${src('pipelines/demo.ts')}';
import { definePipeline } from '${src('src/pipeline/define.ts')}';
import { jsonl } from '${src('src/sources/jsonl.ts')}';
export default definePipeline({
  ...demo,
  name: 'demo-small',
  sources: [jsonl(new URL('./prompts.jsonl', import.meta.url), { name: 'tiny-r1-mix', mapping: { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain', meta: ['task'] } })],
  generation: { ...demo.generation, k: 4 },
});
`,
  );
  cluster = await SlurmCluster.start(3);
});

after(async () => {
  // Every daemon and job process stopped by pid, even when the test failed.
  await cluster?.stop();
  if (cluster) assert.deepEqual(cluster.runningDaemons(), [], 'daemons left running');
  if (work) rmSync(work, { recursive: true, force: true });
});

test('launch slurm --submit: a 3-task array and the merge job build what an unsharded run builds', { skip: missing ?? false }, async () => {
  const c = cluster!;
  const out = path.join(work, 'build');
  const launched = runCli(['launch', 'slurm', 'demo-small.ts', '--shards', '3', '--parallel', '3', '--out', out, '--submit', '--json'], {
    cwd: work,
    env: c.env as Record<string, string>,
  });
  // The unsharded reference, built here meanwhile.
  const reference = runCli(['run', 'demo-small.ts', '--out', path.join(work, 'ref')], { cwd: work });
  const l = await launched;
  assert.equal(l.code, 0, l.stderr);
  const submitted = JSON.parse(l.stdout) as { arrayJob: string; mergeJob: string; unfinished: number[]; files: string[] };
  assert.deepEqual(submitted.unfinished, [0, 1, 2]);
  const script = readFileSync(path.join(out, 'jobs', 'shards.sbatch'), 'utf8');
  assert.match(script, /^#SBATCH --array=0-2%3$/m);
  assert.match(script, /--shard auto\/3 --out \S+\/shard-"\$SLURM_ARRAY_TASK_ID"/);
  assert.match(readFileSync(path.join(out, 'jobs', 'merge.sbatch'), 'utf8'), /merge \S+shard-0 \S+shard-1 \S+shard-2 --out \S+merged/);
  // Slurm registered the merge with its dependency on the array.
  const dep = await c.cmd('squeue', ['-h', '-j', submitted.mergeJob, '-o', '%E']).catch(() => '');
  if (dep.trim() !== '') assert.match(dep, new RegExp(`afterok:${submitted.arrayJob}`));

  await c.waitForEmptyQueue(300_000);
  const ref = await reference;
  assert.equal(ref.code, 0, ref.stderr);

  const logs = readdirSync(path.join(out, 'logs')).sort();
  assert.deepEqual(logs, ['merge.log', 'shard-0.log', 'shard-1.log', 'shard-2.log']);
  for (let i = 0; i < 3; i++) {
    const log = readFileSync(path.join(out, 'logs', `shard-${i}.log`), 'utf8');
    assert.match(log, new RegExp(`shard ${i}/3 from the scheduler`), log);
  }
  const mergedManifest = path.join(out, 'merged', 'manifest.json');
  assert.ok(existsSync(mergedManifest), readFileSync(path.join(out, 'logs', 'merge.log'), 'utf8') + c.logTail());
  const manifest = JSON.parse(readFileSync(mergedManifest, 'utf8')) as { finished: boolean; report: { merged: { from: { shard: string }[] } } };
  assert.equal(manifest.finished, true);
  assert.deepEqual(manifest.report.merged.from.map((f) => f.shard).sort(), ['0/3', '1/3', '2/3']);

  let compared = 0;
  for (const [corpus, key] of [['sft', 'id'], ['distill', 'id'], ['samples', 'key'], ['prefs', 'id']] as const) {
    const has = (dir: string) => existsSync(path.join(dir, corpus)) && readdirSync(path.join(dir, corpus)).some((f) => f.endsWith('.parquet'));
    assert.equal(has(path.join(out, 'merged')), has(path.join(work, 'ref')), `${corpus}: present in one build only`);
    if (!has(path.join(work, 'ref'))) continue;
    const want = await corpusDigest(path.join(work, 'ref'), corpus, key);
    const got = await corpusDigest(path.join(out, 'merged'), corpus, key);
    assert.deepEqual(got, want, `${corpus}: the merged build differs from the unsharded one`);
    compared += got.length;
  }
  assert.ok(compared >= 40, `only ${compared} rows compared`); // 10 prompts × 4 samples at least

  // A lost shard: resubmitting runs only that shard (the array is its index alone), then merges again.
  const shard0 = readFileSync(path.join(out, 'shard-0', 'manifest.json'), 'utf8');
  rmSync(path.join(out, 'shard-1'), { recursive: true });
  rmSync(path.join(out, 'merged'), { recursive: true });
  const redo = await runCli(['launch', 'slurm', 'demo-small.ts', '--shards', '3', '--parallel', '3', '--out', out, '--submit', '--json'], { cwd: work, env: c.env as Record<string, string> });
  assert.equal(redo.code, 0, redo.stderr);
  assert.deepEqual(JSON.parse(redo.stdout).unfinished, [1]);
  await c.waitForEmptyQueue(300_000);
  assert.equal(readFileSync(path.join(out, 'shard-0', 'manifest.json'), 'utf8'), shard0, 'a finished shard was run again');
  assert.ok(existsSync(mergedManifest), readFileSync(path.join(out, 'logs', 'merge.log'), 'utf8'));
  assert.deepEqual(await corpusDigest(path.join(out, 'merged'), 'samples', 'key'), await corpusDigest(path.join(work, 'ref'), 'samples', 'key'));

  // Resubmitting a finished build runs nothing again.
  const again = await runCli(['launch', 'slurm', 'demo-small.ts', '--shards', '3', '--out', out, '--submit', '--json'], { cwd: work, env: c.env as Record<string, string> });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(again.stdout).unfinished, []);
  assert.match(JSON.parse(again.stdout).message, /every shard is finished and merged/);
});
