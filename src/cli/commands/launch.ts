import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { k8sJobFiles } from '../../cluster/k8s-jobs.ts';
import { type LaunchPlan, mergedDir, planProblem } from '../../cluster/launch-plan.ts';
import { shellWord } from '../../cluster/shell-words.ts';
import { arraySpec, slurmJobFiles } from '../../cluster/slurm-jobs.ts';
import { unfinishedShards } from '../../cluster/unfinished-shards.ts';
import { readManifest } from '../../sinks/manifest.ts';
import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';
import { PACKAGE_ROOT } from '../../config/package-root.ts';

const k8s = '(k8s)';
const slurmFlag = '(slurm)';

export const spec: CommandSpec = {
  name: 'launch',
  summary: 'Run a pipeline sharded on a cluster: a Slurm job array or a Kubernetes Indexed Job of N shards (each `distillery run --shard auto`) plus the merge job; resubmitting runs only unfinished shards.',
  usage: 'slurm|k8s <pipeline.ts> --shards N --out DIR [options] [-- RUN_ARGS…]',
  flags: {
    shards: { type: 'string', value: 'N', help: 'number of shards (array tasks / indexed pods)' },
    out: { type: 'string', short: 'o', value: 'DIR', help: 'the merged build; shard builds go to DIR.shards/' },
    parallel: { type: 'string', value: 'M', help: 'shards running at once (default: all)' },
    gpus: { type: 'string', value: 'G', help: 'GPUs per shard (default 0)' },
    cpus: { type: 'string', value: 'C', help: 'CPUs per shard' },
    mem: { type: 'string', value: 'SIZE', help: 'memory per shard, e.g. 64G' },
    time: { type: 'string', value: 'LIMIT', help: 'time limit per shard, e.g. 1-00:00:00' },
    partition: { type: 'string', value: 'P', help: `${slurmFlag} the partition` },
    account: { type: 'string', value: 'A', help: `${slurmFlag} the account` },
    sbatch: { type: 'string', multiple: true, value: 'OPT', help: `${slurmFlag} an extra #SBATCH option` },
    image: { type: 'string', value: 'IMG', help: `${k8s} the container image with distillery (required for k8s)` },
    namespace: { type: 'string', value: 'NS', help: `${k8s} the namespace` },
    pvc: { type: 'string', value: 'CLAIM', help: `${k8s} the persistent volume claim holding the build` },
    mount: { type: 'string', value: 'PATH', help: `${k8s} where the claim is mounted` },
    'backoff-limit-per-index': { type: 'string', value: 'B', help: `${k8s} retries of one shard` },
    name: { type: 'string', value: 'NAME', help: 'the job name (default: from the pipeline file)' },
    'jobs-dir': { type: 'string', value: 'DIR', help: 'where the job files go (default DIR/jobs)' },
    distillery: { type: 'string', value: 'CMD', help: 'the command that runs distillery on the nodes (default: this installation)' },
    workdir: { type: 'string', value: 'DIR', help: 'working directory of the tasks (default: here, for slurm)' },
    submit: { type: 'boolean', help: 'submit the jobs (sbatch / kubectl) instead of only writing them' },
    json: { type: 'boolean', help: 'print the result as one JSON line' },
  },
  notes: 'Arguments after -- go to every shard\'s `distillery run` (e.g. -- --backend openai --server CMD).',
};

const run$ = promisify(execFile);

function count(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${flag} must be an integer ≥ ${min}, got "${v}"`);
  return n;
}

/** A job name from the pipeline file: lower-case letters, digits and '-'. */
function defaultName(pipeline: string): string {
  const base = basename(pipeline, extname(pipeline)).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return (base || 'build').slice(0, 36).replace(/-+$/, '');
}

/** This installation's CLI as a command for tasks on a shared file system: `node …/bin/distillery.mjs`. */
function thisDistillery(): string {
  // From the package root: the same from src/ in a checkout and from dist/ in an installed package.
  const bin = join(PACKAGE_ROOT, 'bin', 'distillery.mjs');
  return `${shellWord(process.execPath)} ${shellWord(bin)}`;
}

/**
 * `distillery launch slurm|k8s <pipeline.ts> --shards N --out DIR [...] [-- RUN_ARGS…]`: writes the scheduler's job
 * files under DIR/jobs (Slurm: an sbatch job array and a merge job; Kubernetes: an Indexed Job and a merge Job, with
 * a submit script), and with --submit submits them. Arguments after `--` go to every `distillery run`.
 */
export async function run(argv: string[]): Promise<number> {
  const dash = argv.indexOf('--');
  const runArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  const parsed = parseOrHelp(spec, dash >= 0 ? argv.slice(0, dash) : argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as Partial<Record<'shards' | 'out' | 'parallel' | 'gpus' | 'cpus' | 'mem' | 'time' | 'partition' | 'account' | 'image' | 'namespace' | 'pvc' | 'mount' | 'backoff-limit-per-index' | 'name' | 'jobs-dir' | 'distillery' | 'workdir', string>> & { sbatch?: string[]; submit?: boolean; json?: boolean };
  const [scheduler, pipelineArg] = positionals;
  if (positionals.length !== 2 || (scheduler !== 'slurm' && scheduler !== 'k8s')) throw new UsageError('expected slurm or k8s and a pipeline file: distillery launch slurm|k8s <pipeline.ts> --shards N --out DIR');
  const shards = count('shards', values.shards, 1);
  if (shards === undefined || !values.out) throw new UsageError('--shards N and --out DIR are required');
  const slurm = scheduler === 'slurm';
  if (!slurm && !values.image) throw new UsageError('--image IMG is required for k8s (a container image with distillery and, if the job starts one, the inference server)');
  const slurmOnly = (['partition', 'account', 'sbatch'] as const).filter((f) => values[f] !== undefined);
  const k8sOnly = (['image', 'namespace', 'pvc', 'mount', 'backoff-limit-per-index'] as const).filter((f) => values[f] !== undefined);
  if (slurm && k8sOnly.length) throw new UsageError(`--${k8sOnly[0]} is for k8s, not slurm`);
  if (!slurm && slurmOnly.length) throw new UsageError(`--${slurmOnly[0]} is for slurm, not k8s`);

  // Slurm tasks share this machine's file system: absolute paths and this very installation. A pod sees the image's.
  if (slurm && !existsSync(pipelineArg)) throw new UsageError(`${pipelineArg}: no such pipeline file`);
  const out = slurm ? resolve(values.out) : values.out;
  const plan: LaunchPlan = {
    name: values.name ?? defaultName(pipelineArg),
    pipeline: slurm ? resolve(pipelineArg) : pipelineArg,
    shards,
    parallel: count('parallel', values.parallel, 1) ?? shards,
    out,
    workdir: values.workdir ?? (slurm ? process.cwd() : undefined),
    distillery: values.distillery ?? (slurm ? thisDistillery() : 'distillery'),
    runArgs,
    gpus: count('gpus', values.gpus, 0) ?? 0,
    cpus: count('cpus', values.cpus, 1),
    mem: values.mem,
    time: values.time,
  };
  const problem = planProblem(plan);
  if (problem) throw new UsageError(problem);

  const jobsDir = resolve(values['jobs-dir'] ?? join(values.out, 'jobs'));
  await mkdir(jobsDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string, exec = false) => {
    const path = join(jobsDir, name);
    await writeFile(path, text);
    if (exec) await chmod(path, 0o755);
    written.push(path);
  };

  const result: Record<string, unknown> = { scheduler, files: written };
  if (slurm) {
    const files = slurmJobFiles(plan, { partition: values.partition, account: values.account, sbatchArgs: values.sbatch });
    await put('shards.sbatch', files.shards);
    await put('merge.sbatch', files.merge);
    await put('submit.sh', files.submit, true);
    if (values.submit) Object.assign(result, await submitSlurm(plan, jobsDir));
  } else {
    const backoff = count('backoff-limit-per-index', values['backoff-limit-per-index'], 0) ?? 2;
    const files = k8sJobFiles(plan, { image: values.image!, namespace: values.namespace, backoffLimitPerIndex: backoff, pvc: values.pvc, mountPath: values.mount });
    await put('shards-job.yaml', files.shards);
    await put('merge-job.yaml', files.merge);
    await put('submit.sh', files.submit, true);
    if (values.submit) Object.assign(result, await submitK8s(jobsDir));
  }

  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(`distillery launch ${scheduler}: wrote ${written.join(', ')}\n`);
    if (typeof result.message === 'string') process.stdout.write(`${result.message}\n`);
    else if (!values.submit) process.stdout.write(`submit with: ${join(jobsDir, 'submit.sh')} (or the same launch command with --submit)\n`);
  }
  return 0;
}

async function sbatch(args: string[]): Promise<string> {
  try {
    const { stdout } = await run$('sbatch', ['--parsable', ...args], { encoding: 'utf8' });
    return stdout.trim().split(';')[0];
  } catch (e) {
    const err = e as Error & { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('launch slurm --submit: sbatch not found on PATH: run it on a Slurm login node, or submit the written files there');
    throw new Error(`launch slurm --submit: sbatch ${args.join(' ')} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

/**
 * Submit the shards not finished yet (the array limited to their indices; each resumes its own directory) and the
 * merge depending on them. Finished shards are not run again; with all finished, only the merge (if not done).
 */
async function submitSlurm(plan: LaunchPlan, jobsDir: string): Promise<Record<string, unknown>> {
  await mkdir(join(plan.out, 'logs'), { recursive: true });
  const left = await unfinishedShards(plan.out, plan.shards);
  if (left.length === 0 && (await readManifest(mergedDir(plan.out)).catch(() => null))?.finished) {
    return { unfinished: [], message: `every shard is finished and merged: ${mergedDir(plan.out)}` };
  }
  let arrayJob: string | null = null;
  if (left.length > 0) arrayJob = await sbatch([`--array=${arraySpec(left, plan.parallel)}`, join(jobsDir, 'shards.sbatch')]);
  const mergeJob = await sbatch([...(arrayJob ? [`--dependency=afterok:${arrayJob}`] : []), join(jobsDir, 'merge.sbatch')]);
  const shardsPart = arrayJob ? `array job ${arrayJob} (shards ${arraySpec(left, plan.parallel)} of 0-${plan.shards - 1})` : 'no shard left to run';
  return { unfinished: left, arrayJob, mergeJob, message: `submitted: ${shardsPart}; merge job ${mergeJob} → ${mergedDir(plan.out)}` };
}

/** Run the written submit.sh (kubectl): it replaces a previous Job of the same name and waits for the shards. */
async function submitK8s(jobsDir: string): Promise<Record<string, unknown>> {
  const child = spawn('bash', [join(jobsDir, 'submit.sh')], { stdio: 'inherit' });
  const code = await new Promise<number>((res, rej) => child.once('error', rej).once('exit', (c) => res(c ?? 1)));
  if (code !== 0) throw new Error(`launch k8s --submit: ${join(jobsDir, 'submit.sh')} exited ${code} (is kubectl installed and pointed at the cluster?)`);
  return { message: 'submitted' };
}
