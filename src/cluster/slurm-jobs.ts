import { arrayRanges, type LaunchPlan, mergedDir, shardDir } from './launch-plan.ts';
import { shellLine, shellWord } from './shell-words.ts';

/** Slurm-only options of `distillery launch slurm`. */
export interface SlurmOptions {
  partition?: string;
  account?: string;
  /** More `#SBATCH` lines for the shard tasks, each an sbatch option as written (e.g. `--qos=high`). */
  sbatchArgs?: readonly string[];
}

export interface SlurmJobFiles {
  /** The job array: one task a shard. */
  shards: string;
  /** The merge, submitted with --dependency=afterok:<array job id>. */
  merge: string;
  /** Submits both by hand (the whole array; `distillery launch --submit` submits only the unfinished shards). */
  submit: string;
}

const HEADER = '# Written by `distillery launch slurm`; run `distillery launch slurm … --submit` again to resubmit the unfinished shards.';

/** The sbatch array option for some shards, at most `parallel` at once: `0-2%2`, `1,3%2`. */
export function arraySpec(indices: readonly number[], parallel: number): string {
  return `${arrayRanges(indices)}%${parallel}`;
}

function resourceLines(o: SlurmOptions): string[] {
  const lines: string[] = [];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  return lines;
}

/**
 * The two sbatch scripts and a submit script. Each array task runs `distillery run … --shard auto/N --out
 * OUT/shard-$SLURM_ARRAY_TASK_ID` (the count is written out so that a resubmission of some indices only keeps N);
 * the merge job joins the N shard directories into OUT/merged once every task has succeeded (afterok), and is
 * cancelled by Slurm when one fails (--kill-on-invalid-dep).
 */
export function slurmJobFiles(plan: LaunchPlan, o: SlurmOptions = {}): SlurmJobFiles {
  const all = Array.from({ length: plan.shards }, (_, i) => i);
  const logs = `${plan.out}/logs`;
  const task = [
    '#!/bin/bash',
    HEADER,
    `#SBATCH --job-name=${plan.name}`,
    `#SBATCH --array=${arraySpec(all, plan.parallel)}`,
    `#SBATCH --output=${logs}/shard-%a.log`,
    ...(plan.workdir !== undefined ? [`#SBATCH --chdir=${plan.workdir}`] : []),
    '#SBATCH --ntasks=1',
    ...(plan.cpus !== undefined ? [`#SBATCH --cpus-per-task=${plan.cpus}`] : []),
    ...(plan.gpus > 0 ? [`#SBATCH --gres=gpu:${plan.gpus}`] : []),
    ...(plan.mem !== undefined ? [`#SBATCH --mem=${plan.mem}`] : []),
    ...(plan.time !== undefined ? [`#SBATCH --time=${plan.time}`] : []),
    ...resourceLines(o),
    ...(o.sbatchArgs ?? []).map((a) => `#SBATCH ${a}`),
    'set -euo pipefail',
    '# Ctrl-C / scancel / the time limit send SIGTERM: distillery commits what is done and exits 130; a resubmission resumes.',
    `exec ${plan.distillery} run ${shellWord(plan.pipeline)} --shard auto/${plan.shards} --out ${shellWord(plan.out)}/shard-"$SLURM_ARRAY_TASK_ID"${plan.runArgs.length ? ` ${shellLine(plan.runArgs)}` : ''}`,
    '',
  ].join('\n');

  const merged = mergedDir(plan.out);
  const merge = [
    '#!/bin/bash',
    HEADER,
    `#SBATCH --job-name=${plan.name}-merge`,
    `#SBATCH --output=${logs}/merge.log`,
    ...(plan.workdir !== undefined ? [`#SBATCH --chdir=${plan.workdir}`] : []),
    '#SBATCH --ntasks=1',
    '#SBATCH --kill-on-invalid-dep=yes',
    ...resourceLines(o),
    'set -euo pipefail',
    `if [ -f ${shellWord(`${merged}/manifest.json`)} ]; then echo "already merged: ${merged}"; exit 0; fi`,
    '# A merge stopped half-way left only links: start it again from scratch.',
    `rm -rf ${shellWord(merged)}`,
    `exec ${plan.distillery} merge ${all.map((i) => shellWord(shardDir(plan.out, i))).join(' ')} --out ${shellWord(merged)}`,
    '',
  ].join('\n');

  const submit = [
    '#!/bin/bash',
    '# Submits the whole array and the merge that depends on it.',
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    `mkdir -p ${shellWord(logs)}`,
    'array=$(sbatch --parsable shards.sbatch)',
    'array=${array%%;*}',
    'merge=$(sbatch --parsable --dependency=afterok:"$array" merge.sbatch)',
    'echo "submitted: array job $array, merge job ${merge%%;*}"',
    '',
  ].join('\n');
  return { shards: task, merge, submit };
}
