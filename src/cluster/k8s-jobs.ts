import { stringify } from 'yaml';
import { type LaunchPlan, mergedDir, shardDir } from './launch-plan.ts';
import { shellLine, shellWord } from './shell-words.ts';

/** Kubernetes-only options of `distillery launch k8s`. */
export interface K8sOptions {
  /** Container image with distillery (and the inference server, when the job starts one). */
  image: string;
  namespace?: string;
  /** Retries of one index before it counts as failed (the Job's backoffLimitPerIndex; Kubernetes ≥ 1.29). */
  backoffLimitPerIndex: number;
  /** A PersistentVolumeClaim (ReadWriteMany) holding the build root, mounted at `mountPath` in every pod. */
  pvc?: string;
  mountPath?: string;
}

export interface K8sJobFiles {
  /** The Indexed Job: one completion index a shard. */
  shards: string;
  /** The merge Job, applied when the shards' Job is complete. */
  merge: string;
  /** Deletes a previous Job of the same name, applies the shards, waits for them, applies the merge. */
  submit: string;
  /** The objects as data (what the YAML says), for checks. */
  objects: { shards: Record<string, unknown>; merge: Record<string, unknown> };
}

const HEADER = '# Written by `distillery launch k8s`.';

function metadata(name: string, plan: LaunchPlan, o: K8sOptions): Record<string, unknown> {
  return {
    name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    labels: { 'app.kubernetes.io/name': 'distillery', 'distillery/build': plan.name },
  };
}

function volumes(o: K8sOptions): { volumes?: unknown[]; volumeMounts?: unknown[] } {
  if (!o.pvc) return {};
  return {
    volumes: [{ name: 'builds', persistentVolumeClaim: { claimName: o.pvc } }],
    volumeMounts: [{ name: 'builds', mountPath: o.mountPath ?? '/builds' }],
  };
}

/** Slurm's memory syntax (MB without a unit; K/M/G/T are binary) as a Kubernetes quantity. */
export function k8sQuantity(mem: string): string {
  if (/^\d+$/.test(mem)) return `${mem}Mi`;
  if (/^\d+[KMGT]$/.test(mem)) return `${mem}i`;
  return mem;
}

function container(plan: LaunchPlan, o: K8sOptions, script: string, withGpus: boolean, env: Record<string, string>): Record<string, unknown> {
  const limits: Record<string, string | number> = {};
  if (withGpus && plan.gpus > 0) limits['nvidia.com/gpu'] = plan.gpus;
  if (plan.cpus !== undefined) limits.cpu = plan.cpus;
  if (plan.mem !== undefined) limits.memory = k8sQuantity(plan.mem);
  const { volumeMounts } = volumes(o);
  return {
    name: 'distillery',
    image: o.image,
    ...(plan.workdir !== undefined ? { workingDir: plan.workdir } : {}),
    // A shell so that the pod's JOB_COMPLETION_INDEX names the shard's directory.
    command: ['/bin/sh', '-c', script],
    ...(Object.keys(env).length ? { env: Object.entries(env).map(([name, value]) => ({ name, value })) } : {}),
    ...(Object.keys(limits).length ? { resources: { limits, requests: { ...limits } } } : {}),
    ...(volumeMounts ? { volumeMounts } : {}),
  };
}

/**
 * An Indexed Job of N completions (parallelism M, per-index retries with backoffLimitPerIndex, restartPolicy Never
 * as that field requires), each pod `distillery run … --shard auto/N --out OUT/shard-$JOB_COMPLETION_INDEX`, and a
 * one-pod merge Job. Kubernetes has no dependency between Jobs, so submit.sh waits for the first before applying
 * the second. A resubmitted Job runs every index again; a finished shard then resumes to nothing new.
 */
export function k8sJobFiles(plan: LaunchPlan, o: K8sOptions): K8sJobFiles {
  const { volumes: vols } = volumes(o);
  const runScript = `exec ${plan.distillery} run ${shellWord(plan.pipeline)} --shard auto/${plan.shards} --out ${shellWord(plan.out)}/shard-"$JOB_COMPLETION_INDEX"${plan.runArgs.length ? ` ${shellLine(plan.runArgs)}` : ''}`;
  const shardsName = `${plan.name}-shards`;
  const shards = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(shardsName, plan, o),
    spec: {
      completionMode: 'Indexed',
      completions: plan.shards,
      parallelism: Math.min(plan.parallel, plan.shards),
      backoffLimitPerIndex: o.backoffLimitPerIndex,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'distillery', 'distillery/build': plan.name } },
        spec: {
          restartPolicy: 'Never',
          // SIGTERM on eviction: distillery commits what is done; the retried pod resumes from it.
          terminationGracePeriodSeconds: 120,
          containers: [container(plan, o, runScript, true, { DISTILLERY_SHARD_COUNT: String(plan.shards) })],
          ...(vols ? { volumes: vols } : {}),
        },
      },
    },
  };
  const merged = mergedDir(plan.out);
  const dirs = Array.from({ length: plan.shards }, (_, i) => shellWord(shardDir(plan.out, i))).join(' ');
  const mergeScript = `if [ -f ${shellWord(`${merged}/manifest.json`)} ]; then echo "already merged: ${merged}"; exit 0; fi; rm -rf ${shellWord(merged)}; exec ${plan.distillery} merge ${dirs} --out ${shellWord(merged)}`;
  const mergeName = `${plan.name}-merge`;
  const merge = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(mergeName, plan, o),
    spec: {
      completions: 1,
      backoffLimit: 2,
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'distillery', 'distillery/build': plan.name } },
        spec: { restartPolicy: 'Never', containers: [container(plan, o, mergeScript, false, {})], ...(vols ? { volumes: vols } : {}) },
      },
    },
  };
  const ns = o.namespace ? ` -n ${shellWord(o.namespace)}` : '';
  const submit = [
    '#!/bin/bash',
    HEADER,
    '# Applies the shards Job, waits until it is Complete (or Failed), then applies the merge Job.',
    'set -euo pipefail',
    'cd "$(dirname "$0")"',
    `kubectl${ns} delete job ${shardsName} ${mergeName} --ignore-not-found`,
    `kubectl${ns} apply -f shards-job.yaml`,
    'while :; do',
    `  state=$(kubectl${ns} get job ${shardsName} -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')`,
    '  case " $state " in',
    '    *" Complete "*) break ;;',
    `    *" Failed "*) echo "shards job failed; see: kubectl${ns} describe job ${shardsName}" >&2; exit 1 ;;`,
    '  esac',
    '  sleep 10',
    'done',
    `kubectl${ns} apply -f merge-job.yaml`,
    `echo "merge job ${mergeName} applied; the merged build goes to ${merged}"`,
    '',
  ].join('\n');
  const yaml = (obj: unknown) => `${HEADER}\n${stringify(obj, { lineWidth: 0 })}`;
  return { shards: yaml(shards), merge: yaml(merge), submit, objects: { shards, merge } };
}
