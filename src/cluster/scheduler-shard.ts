import { parseShard, type ShardSpec } from '../sources/shard.ts';

/**
 * `--shard auto` and `--shard auto/N`: this worker's shard taken from the scheduler that started it.
 *
 * - Slurm job array: the index is `SLURM_ARRAY_TASK_ID`. The count is N when given (`auto/N`, or
 *   `DISTILLERY_SHARD_COUNT`), else the array's own size, which is only the shard count when the array is the
 *   whole range 0…N-1: `SLURM_ARRAY_TASK_COUNT` (or max − min + 1) checked against `SLURM_ARRAY_TASK_MIN/MAX`.
 *   A resubmission of the unfinished shards only (`--array=1,3`) therefore needs `auto/N` — which is what
 *   `distillery launch slurm` writes.
 * - Kubernetes Indexed Job: the index is `JOB_COMPLETION_INDEX`; the Job does not tell a pod its completions
 *   count, so N comes from `auto/N` or `DISTILLERY_SHARD_COUNT` (the manifest `distillery launch k8s` writes sets it).
 */
export type SchedulerEnv = Readonly<Record<string, string | undefined>>;

/** Where an automatic shard came from (for the log line). */
export interface AutoShard extends ShardSpec {
  source: 'slurm' | 'kubernetes';
}

const AUTO = /^auto(?:\/(\d+))?$/;

/** Whether a `--shard` value asks for the scheduler's shard. */
export function isAutoShard(text: string): boolean {
  return AUTO.test(text.trim());
}

function integer(env: SchedulerEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new Error(`--shard auto: ${name}="${v}" is not a non-negative integer`);
  return Number(v.trim());
}

function checked(index: number, count: number, source: AutoShard['source'], from: string): AutoShard {
  if (count < 1) throw new Error(`--shard auto: shard count ${count} (${from}) must be at least 1`);
  if (index >= count) throw new Error(`--shard auto: index ${index} is not below the shard count ${count} (${from}); give --shard auto/N with the full count`);
  return { index, count, source };
}

/** The shard from `auto[/N]` and the environment. Throws a message fit for a usage error. */
export function schedulerShard(text: string, env: SchedulerEnv): AutoShard {
  const m = AUTO.exec(text.trim());
  if (!m) throw new Error(`--shard: expected I/N, auto or auto/N, got "${text}"`);
  const given = m[1] !== undefined ? Number(m[1]) : integer(env, 'DISTILLERY_SHARD_COUNT');
  const givenFrom = m[1] !== undefined ? `--shard ${text.trim()}` : 'DISTILLERY_SHARD_COUNT';

  const slurmIndex = integer(env, 'SLURM_ARRAY_TASK_ID');
  if (slurmIndex !== undefined) {
    if (given !== undefined) return checked(slurmIndex, given, 'slurm', `SLURM_ARRAY_TASK_ID, ${givenFrom}`);
    const min = integer(env, 'SLURM_ARRAY_TASK_MIN');
    const max = integer(env, 'SLURM_ARRAY_TASK_MAX');
    const size = integer(env, 'SLURM_ARRAY_TASK_COUNT') ?? (min !== undefined && max !== undefined ? max - min + 1 : undefined);
    if (size === undefined) throw new Error('--shard auto: SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MIN/MAX: give --shard auto/N');
    // An array that is not exactly 0…size-1 (a resubmission of some shards, a step) does not say N.
    if ((min !== undefined && min !== 0) || (max !== undefined && max !== size - 1)) {
      throw new Error(
        `--shard auto: the Slurm array is not 0-${size - 1} (min ${min ?? '?'}, max ${max ?? '?'}, ${size} tasks), so its size is not the shard count: give --shard auto/N`,
      );
    }
    return checked(slurmIndex, size, 'slurm', 'SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT');
  }

  const k8sIndex = integer(env, 'JOB_COMPLETION_INDEX');
  if (k8sIndex !== undefined) {
    if (given === undefined) {
      throw new Error('--shard auto: JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job) but not the completions count: give --shard auto/N or set DISTILLERY_SHARD_COUNT in the pod');
    }
    return checked(k8sIndex, given, 'kubernetes', `JOB_COMPLETION_INDEX, ${givenFrom}`);
  }

  throw new Error(
    '--shard auto: no scheduler shard in the environment (neither SLURM_ARRAY_TASK_ID of a Slurm job array nor JOB_COMPLETION_INDEX of a Kubernetes Indexed Job); run inside one, or give --shard I/N',
  );
}

/** A `--shard` flag value: `I/N`, or `auto[/N]` resolved from the environment. Throws a message fit for a usage error. */
export function shardFlag(text: string, env: SchedulerEnv = process.env): ShardSpec {
  if (!isAutoShard(text)) return parseShard(text);
  const { index, count } = schedulerShard(text, env);
  return { index, count };
}
