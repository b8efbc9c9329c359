/**
 * The files `distillery launch` writes. Kubernetes cannot run here, so the Indexed Job manifest is checked against
 * the batch/v1 Job API's field names and rules (no kubectl, no API server), and its pod command is run with sh
 * the way the container runs it (JOB_COMPLETION_INDEX set) over a small replay pipeline. The Slurm files run on a
 * real Slurm in cluster.slurm.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { k8sJobFiles, k8sQuantity } from '../src/cluster/k8s-jobs.ts';
import { arrayRanges, type LaunchPlan, planProblem } from '../src/cluster/launch-plan.ts';
import { shellLine, shellWord } from '../src/cluster/shell-words.ts';
import { arraySpec, slurmJobFiles } from '../src/cluster/slurm-jobs.ts';
import { cli, repoRoot, runCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from './support/engine-fixture.ts';

const exec$ = promisify(execFile);

const plan = (o: Partial<LaunchPlan> = {}): LaunchPlan => ({
  name: 'r1-800k',
  pipeline: '/shared/pipelines/r1-800k.ts',
  shards: 64,
  parallel: 16,
  out: '/shared/builds/r1',
  workdir: '/shared/distillery',
  distillery: 'distillery',
  runArgs: ['--backend', 'openai', '--model', 'deepseek-ai/DeepSeek-R1', '--server', "vllm serve deepseek-ai/DeepSeek-R1 --port {port} --tensor-parallel-size 8"],
  gpus: 8,
  cpus: 32,
  mem: '512G',
  time: '2-00:00:00',
  ...o,
});

test('slurm array ranges, shell quoting and plan checks', () => {
  assert.equal(arrayRanges([0, 1, 2, 3]), '0-3');
  assert.equal(arrayRanges([5, 1, 3, 4]), '1,3,4,5'.replace('3,4,5', '3-5'));
  assert.equal(arrayRanges([0, 2]), '0,2');
  assert.equal(arraySpec([1, 7, 8, 9, 12], 4), '1,7-9,12%4');
  assert.equal(shellWord('a b'), "'a b'");
  assert.equal(shellWord("it's"), `'it'\\''s'`);
  assert.equal(shellLine(['--model', 'org/m:1', '']), "--model org/m:1 ''");
  assert.equal(planProblem(plan()), null);
  assert.match(planProblem(plan({ name: 'R1_800k' }))!, /lower-case/);
  assert.match(planProblem(plan({ shards: 0 }))!, /--shards/);
  assert.match(planProblem(plan({ runArgs: ['--limit', '5', '--shard=1/2'] }))!, /each task sets its own --shard auto\/N/);
  assert.match(planProblem(plan({ runArgs: ['-o', 'x'] }))!, /-o:/);
});

test('slurm: the array script asks for the GPUs and resources, runs each shard with --shard auto/N, the merge waits for all', () => {
  const f = slurmJobFiles(plan(), { partition: 'gpu', account: 'lab', sbatchArgs: ['--qos=high'] });
  for (const line of ['--array=0-63%16', '--gres=gpu:8', '--cpus-per-task=32', '--mem=512G', '--time=2-00:00:00', '--partition=gpu', '--account=lab', '--qos=high', '--chdir=/shared/distillery', '--output=/shared/builds/r1/logs/shard-%a.log']) {
    assert.ok(f.shards.includes(`#SBATCH ${line}\n`), `missing #SBATCH ${line}\n${f.shards}`);
  }
  assert.match(f.shards, /^exec distillery run \/shared\/pipelines\/r1-800k.ts --shard auto\/64 --out \/shared\/builds\/r1\/shard-"\$SLURM_ARRAY_TASK_ID" --backend openai --model deepseek-ai\/DeepSeek-R1 --server 'vllm serve deepseek-ai\/DeepSeek-R1 --port \{port\} --tensor-parallel-size 8'$/m);
  assert.match(f.merge, /#SBATCH --kill-on-invalid-dep=yes/);
  assert.doesNotMatch(f.merge, /gres/, 'the merge needs no GPU');
  assert.match(f.merge, /merge \/shared\/builds\/r1\/shard-0 .* \/shared\/builds\/r1\/shard-63 --out \/shared\/builds\/r1\/merged$/m);
  assert.match(f.submit, /sbatch --parsable --dependency=afterok:"\$array" merge.sbatch/);
  assert.doesNotMatch(slurmJobFiles(plan({ gpus: 0 })).shards, /gres/);
});

// batch/v1 field names used by a Job (io.k8s.api.batch.v1.JobSpec, core/v1 PodSpec, Container…): every key the
// manifest writes must be one of them.
const FIELDS: Record<string, string[]> = {
  job: ['apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['name', 'namespace', 'labels', 'annotations'],
  jobSpec: ['activeDeadlineSeconds', 'backoffLimit', 'backoffLimitPerIndex', 'completionMode', 'completions', 'managedBy', 'manualSelector', 'maxFailedIndexes', 'parallelism', 'podFailurePolicy', 'podReplacementPolicy', 'selector', 'successPolicy', 'suspend', 'template', 'ttlSecondsAfterFinished'],
  template: ['metadata', 'spec'],
  podSpec: ['restartPolicy', 'terminationGracePeriodSeconds', 'containers', 'volumes', 'nodeSelector', 'tolerations', 'serviceAccountName'],
  container: ['name', 'image', 'command', 'args', 'workingDir', 'env', 'resources', 'volumeMounts'],
  env: ['name', 'value', 'valueFrom'],
  resources: ['limits', 'requests'],
  volumeMount: ['name', 'mountPath', 'readOnly', 'subPath'],
  volume: ['name', 'persistentVolumeClaim'],
  pvc: ['claimName', 'readOnly'],
};

function keysOk(obj: unknown, kind: string, where: string): void {
  assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${where}: not an object`);
  for (const k of Object.keys(obj as object)) assert.ok(FIELDS[kind].includes(k), `${where}.${k}: not a field of ${kind}`);
}

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/;

function checkJob(job: Record<string, any>, where: string): void {
  keysOk(job, 'job', where);
  assert.equal(job.apiVersion, 'batch/v1');
  assert.equal(job.kind, 'Job');
  keysOk(job.metadata, 'metadata', `${where}.metadata`);
  assert.match(job.metadata.name, DNS1123);
  assert.ok(job.metadata.name.length <= 63, 'a Job name over 63 characters cannot label its pods');
  keysOk(job.spec, 'jobSpec', `${where}.spec`);
  keysOk(job.spec.template, 'template', `${where}.spec.template`);
  const pod = job.spec.template.spec;
  keysOk(pod, 'podSpec', `${where}.spec.template.spec`);
  assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy), 'a Job pod restartPolicy is Never or OnFailure');
  assert.ok(Array.isArray(pod.containers) && pod.containers.length === 1);
  for (const c of pod.containers) {
    keysOk(c, 'container', `${where}.container`);
    assert.ok(c.command.every((w: unknown) => typeof w === 'string'));
    for (const e of c.env ?? []) {
      keysOk(e, 'env', `${where}.env`);
      assert.equal(typeof e.value, 'string', 'env values are strings');
    }
    if (c.resources) {
      keysOk(c.resources, 'resources', `${where}.resources`);
      for (const q of [...Object.values(c.resources.limits ?? {}), ...Object.values(c.resources.requests ?? {})]) assert.match(String(q), QUANTITY);
    }
    for (const m of c.volumeMounts ?? []) {
      keysOk(m, 'volumeMount', `${where}.volumeMount`);
      assert.ok(pod.volumes.some((v: { name: string }) => v.name === m.name), `volumeMount ${m.name} has no volume`);
    }
  }
  for (const v of pod.volumes ?? []) {
    keysOk(v, 'volume', `${where}.volume`);
    keysOk(v.persistentVolumeClaim, 'pvc', `${where}.volume.pvc`);
  }
}

test('k8s: an Indexed Job of N completions, parallelism M, per-index retries, GPUs; a merge Job; valid batch/v1 fields', () => {
  const f = k8sJobFiles(plan(), { image: 'ghcr.io/acme/distillery:1', namespace: 'data', backoffLimitPerIndex: 3, pvc: 'builds', mountPath: '/shared' });
  const [shards, merge] = [f.shards, f.merge].map((text) => {
    const docs = parseAllDocuments(text);
    assert.equal(docs.length, 1);
    assert.deepEqual(docs[0].errors, []);
    return docs[0].toJS() as Record<string, any>;
  });
  assert.deepEqual(shards, JSON.parse(JSON.stringify(f.objects.shards)), 'the YAML says what the objects say');
  checkJob(shards, 'shards');
  checkJob(merge, 'merge');
  const spec = shards.spec;
  assert.equal(spec.completionMode, 'Indexed');
  assert.equal(spec.completions, 64);
  assert.equal(spec.parallelism, 16);
  assert.equal(spec.backoffLimitPerIndex, 3);
  // backoffLimitPerIndex requires restartPolicy Never (the API server refuses OnFailure with it).
  assert.equal(spec.template.spec.restartPolicy, 'Never');
  const c = spec.template.spec.containers[0];
  assert.deepEqual(c.command.slice(0, 2), ['/bin/sh', '-c']);
  assert.match(c.command[2], /--shard auto\/64 --out \/shared\/builds\/r1\/shard-"\$JOB_COMPLETION_INDEX" --backend openai/);
  assert.deepEqual(c.env, [{ name: 'DISTILLERY_SHARD_COUNT', value: '64' }]);
  assert.deepEqual(c.resources.limits, { 'nvidia.com/gpu': 8, cpu: 32, memory: '512Gi' });
  assert.equal(shards.metadata.namespace, 'data');
  assert.equal(merge.spec.completionMode, undefined);
  assert.equal(merge.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'], undefined, 'the merge needs no GPU');
  assert.match(merge.spec.template.spec.containers[0].command[2], /merge \/shared\/builds\/r1\/shard-0 .*shard-63 --out \/shared\/builds\/r1\/merged$/);
  assert.match(f.submit, /kubectl -n data apply -f shards-job.yaml\n/);
  assert.match(f.submit, /\*" Complete "\*\) break/);
  assert.equal(k8sQuantity('4000'), '4000Mi');
  assert.equal(k8sQuantity('64G'), '64Gi');
});

test("k8s: the pod's command, run by sh with the pod's JOB_COMPLETION_INDEX, builds that shard", async () => {
  const work = tempWorkdir('k8s-pod');
  try {
    writeGsm8kPrompts(path.join(work, 'prompts.jsonl'), 12);
    writeRecordings(path.join(work, 'recordings.jsonl'), 12, 2);
    writePipeline(path.join(work, 'p.ts'), { k: 2 });
    const r = await runCli(['launch', 'k8s', 'p.ts', '--shards', '3', '--out', path.join(work, 'b'), '--image', 'x', '--distillery', `${process.execPath} ${cli}`, '--json', '--', '--json'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    const job = parseAllDocuments(readFileSync(path.join(work, 'b', 'jobs', 'shards-job.yaml'), 'utf8'))[0].toJS() as Record<string, any>;
    const container = job.spec.template.spec.containers[0];
    const env: NodeJS.ProcessEnv = { ...process.env, JOB_COMPLETION_INDEX: '1', ...Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value])) };
    delete env.NODE_TEST_CONTEXT;
    await exec$(container.command[0], container.command.slice(1), { cwd: work, env });
    const manifest = JSON.parse(readFileSync(path.join(work, 'b', 'shard-1', 'manifest.json'), 'utf8'));
    assert.equal(manifest.config.shard, '1/3');
    assert.equal(manifest.finished, true);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('launch: usage errors say what is missing', async () => {
  const cases: [string[], RegExp][] = [
    [['launch', 'k8s', 'p.ts', '--shards', '2', '--out', 'x'], /--image IMG is required/],
    [['launch', 'slurm', 'p.ts', '--out', 'x'], /--shards N and --out DIR are required/],
    [['launch', 'pbs', 'p.ts', '--shards', '2', '--out', 'x'], /expected slurm or k8s/],
    [['launch', 'slurm', 'p.ts', '--shards', '2', '--out', 'x', '--image', 'i'], /--image is for k8s/],
    [['launch', 'slurm', 'p.ts', '--shards', '2', '--out', 'x'], /p.ts: no such pipeline file/],
    [['launch', 'slurm', 'pipelines/demo.ts', '--shards', '2', '--out', 'x', '--', '--shard', '0/2'], /each task sets its own/],
  ];
  for (const [args, want] of cases) {
    const r = await runCli(args, { cwd: repoRoot });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, want);
  }
});
