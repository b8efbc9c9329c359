import { posix } from 'node:path';

/**
 * What `distillery launch` writes: the same build on any scheduler — N shard tasks, each
 * `distillery run <pipeline> --shard auto/N --out OUT/shard-<i> …`, then one merge of the N shard directories into
 * OUT/merged. Pure data; the scheduler files are made from it by slurm-jobs.ts and k8s-jobs.ts.
 */
export interface LaunchPlan {
  /** Job name (letters, digits, '-'): the Slurm job name, the Kubernetes Job name prefix. */
  name: string;
  /** The pipeline file as the tasks see it. */
  pipeline: string;
  shards: number;
  /** Shard tasks running at once (Slurm's %M, the Job's parallelism). */
  parallel: number;
  /** The build root as the tasks see it: shard-<i>/, merged/, logs/ under it. */
  out: string;
  /** Working directory of every task (relative paths in the pipeline resolve against it); the image's when unset. */
  workdir?: string;
  /** The distillery command as a shell fragment, e.g. `node /opt/distillery/bin/distillery.mjs` or `distillery`. */
  distillery: string;
  /** More `distillery run` arguments, given after `--` (e.g. --limit, --backend openai …, --server …). */
  runArgs: readonly string[];
  /** GPUs a shard task asks for (0: none), CPUs, memory (Slurm syntax, e.g. 64G), wall time (Slurm syntax). */
  gpus: number;
  cpus?: number;
  mem?: string;
  time?: string;
}

/** Flags a shard task sets itself: refused among the passed-through run arguments. */
const OWNED_RUN_FLAGS = ['--shard', '--out', '-o'];

/** Why a plan cannot be made, or null. */
export function planProblem(p: LaunchPlan): string | null {
  if (!/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/.test(p.name)) return `--name "${p.name}": use lower-case letters, digits and '-' (at most 42), as Kubernetes names need`;
  if (!Number.isInteger(p.shards) || p.shards < 1) return `--shards must be a positive integer, got ${p.shards}`;
  if (!Number.isInteger(p.parallel) || p.parallel < 1) return `--parallel must be a positive integer, got ${p.parallel}`;
  if (!Number.isInteger(p.gpus) || p.gpus < 0) return `--gpus must be a non-negative integer, got ${p.gpus}`;
  if (p.cpus !== undefined && (!Number.isInteger(p.cpus) || p.cpus < 1)) return `--cpus must be a positive integer, got ${p.cpus}`;
  const owned = p.runArgs.find((a) => OWNED_RUN_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
  if (owned) return `${owned}: each task sets its own --shard auto/N and --out OUT/shard-<i>; leave them out of the run arguments`;
  return null;
}

/** A shard's build directory. */
export function shardDir(out: string, index: number): string {
  return posix.join(out, `shard-${index}`);
}

/** The merged build's directory. */
export function mergedDir(out: string): string {
  return posix.join(out, 'merged');
}

/** `0-2`, `1,3,4`: Slurm's array syntax for some indices (runs of 3+ consecutive indices as ranges). */
export function arrayRanges(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let x = i; x <= j; x++) parts.push(String(sorted[x]));
    i = j + 1;
  }
  return parts.join(',');
}
