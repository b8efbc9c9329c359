import type { Prompt } from '../../schemas/prompt.ts';
import type { Sampler } from '../models/sampler.ts';
import type { BuildIdentity, BuildStore } from '../sinks/build-store.ts';
import type { ShardSpec } from '../sources/shard.ts';
import { admit, type Unit } from './admit.ts';
import { buildReport, statsFrom, type BuildReport } from './build-stats.ts';
import { codeVersion } from './code-version.ts';
import { Committer, type BatchOutcome } from './commit.ts';
import { canonicalJson, sha256Hex } from '../../schemas/canonical-json.ts';
import { generationHash, pipelineConfigJson } from './config-hash.ts';
import type { Pipeline } from './define.ts';
import { defaultBuildStore } from './default-store.ts';
import { PreviousBuild } from './reuse.ts';
import { SampleJudge } from './sample-judge.ts';
import { shapePrompt } from './shape.ts';
import { quotaMet, targetReport, type SamplingReport } from './target-sampling.ts';
import { groupBy, orderedMap } from './ordered-map.ts';
import { boundHeapGrowth } from './heap-growth.ts';
import { lockBuildDir } from './build-lock.ts';
import { BackendBreaker, DEFAULT_BACKEND_HEALTH, type BackendHealthOptions, type OutageNotice } from './backend-health.ts';

export interface Progress {
  /** Cumulative over the build (resumed runs included). */
  prompts: number;
  samples: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  commits: number;
  /** This run. */
  runPrompts: number;
  runSamples: number;
  runSeconds: number;
  /** Prompts this build will have when done (null until known, or when the sources cannot tell). */
  totalPrompts: number | null;
  /** Set while a source's filter reads the inputs ahead of the build (near-dedupe's first pass): prompts read so far. */
  firstPass?: { stage: string; promptsRead: number };
}

export interface RunOptions {
  out: string;
  /** Stop after this many prompts (counted over the build, so a resumed run with the same limit finishes it). */
  limit?: number;
  shard?: ShardSpec;
  /** Abort = stop taking prompts, finish those in flight, commit, return an `interrupted` report. */
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Output store (default: Parquet corpora in `out`). */
  store?: BuildStore;
  /** Resume although an input changed since the last commit (by prompt id: new prompts built, removed ones reported). */
  allowInputChange?: boolean;
  /** The circuit breaker over the backend (outage budget, thresholds, probe backoff); defaults in DEFAULT_BACKEND_HEALTH. */
  backendHealth?: Partial<BackendHealthOptions>;
  /** Backend outages as they happen (down, recovered, gave up), for the log. */
  onNotice?: (n: OutageNotice) => void;
  /** After a stop, how long requests and judges in flight may finish before they are aborted (default 15 s). */
  graceMs?: number;
  /**
   * Hold the exclusive lock of `out` for the run (default: true with the default store). A second writer is refused
   * at once, naming the holder; `command` names this one in the lock (default "distillery run").
   */
  lock?: boolean | { command: string };
  /**
   * An incremental build over a previous build directory: samples it made (same key) are served from its shards with
   * their stored verdicts instead of being generated (and judged) again; the report's `incremental` says how many.
   */
  reuse?: string;
}

/** Default grace period after a stop before in-flight requests are aborted. */
export const DEFAULT_GRACE_MS = 15_000;

export { MAX_CHUNK_BYTES } from './commit.ts';

/** The identity a build directory is checked against on resume: the pipeline config, plus the shard when sharded. */
export function buildIdentityConfig(pipeline: Pipeline, shard?: ShardSpec): Record<string, unknown> {
  const config = pipelineConfigJson(pipeline);
  return shard && shard.count > 1 ? { ...config, shard: `${shard.index}/${shard.count}` } : config;
}

/**
 * Run a pipeline into a build directory, as four stages: admit (sources → quarantine / dedupe / shard / limit /
 * done by id / quota, src/pipeline/admit.ts) → sample + judge (backend.batchSize prompts a call,
 * backend.concurrency calls in flight, judges in order; sample-judge.ts) → shape (selection, rows; shape.ts) →
 * commit (chunks, counters; commit.ts). Work in flight is bounded (a slow sink slows the sampler) and results are
 * committed in reading order, so a commit covers a prefix of the input.
 */
export async function runPipeline(pipeline: Pipeline, opts: RunOptions): Promise<BuildReport & { sampling: SamplingReport }> {
  const runStart = performance.now();
  boundHeapGrowth();
  const { generation, backend, judges, selection, output } = pipeline;
  const configHash = generationHash(backend.describe(), generation);
  const config = buildIdentityConfig(pipeline, opts.shard);
  const identity: BuildIdentity = {
    pipeline: pipeline.name,
    config,
    configHash: sha256Hex(canonicalJson(config)),
    codeVersion: codeVersion(),
    inputs: await Promise.all(pipeline.sources.map(async (s) => ({ name: s.name, sha256: await s.digest() }))),
  };
  const lockWanted = opts.lock ?? opts.store === undefined;
  const lock = lockWanted ? await lockBuildDir(opts.out, typeof opts.lock === 'object' ? opts.lock.command : `distillery run ${pipeline.name}`) : null;
  let store: BuildStore;
  try {
    store = opts.store ?? defaultBuildStore(opts.out, pipeline);
  } catch (e) {
    await lock?.release();
    throw e;
  }
  let sampler: Sampler | null = null;
  let previous: PreviousBuild | null = null;
  let released = false;
  /** Close the model, the previous build and the judges, once (before the card at the end, else when the run ends). */
  const release = async () => {
    if (released) return;
    released = true;
    await sampler?.close().catch(() => {});
    previous?.close();
    for (const j of judges) await j.close?.().catch(() => {});
  };
  // `stop`: take no more prompts (Ctrl-C, or the backend down past its budget). `hard`: abort requests and judges
  // still in flight, a grace period after the stop, so a stalled request never holds the stop for its timeout.
  const stopper = new AbortController();
  const stop = opts.signal ? AbortSignal.any([opts.signal, stopper.signal]) : stopper.signal;
  const hard = new AbortController();
  let graceTimer: NodeJS.Timeout | undefined;
  const onStop = () => (graceTimer = setTimeout(() => hard.abort(stop.reason), opts.graceMs ?? DEFAULT_GRACE_MS));
  stop.addEventListener('abort', onStop, { once: true });
  try {
    const resume = await store.open(identity, { allowInputChange: opts.allowInputChange });
    const stats = statsFrom(resume.stats);
    // Positions count only where the input is what the last commit read; prompts themselves resume by id.
    const inputChanges = resume.inputChanges ?? [];
    const inputsChanged = inputChanges.length > 0;
    if (inputsChanged) {
      stats.duplicates = 0;
      stats.quotaSkipped = 0;
    }
    const start = structuredClone(stats);
    // Stored verdicts stand for the leading judges whose config, the code version and the sample grouping are unchanged.
    if (opts.reuse !== undefined) previous = await PreviousBuild.open(opts.reuse, { judges: judges.map((j) => j.describe()), grouping: { k: generation.k, target: pipeline.target ?? null } });
    sampler = await backend.open({ out: opts.out });

    const health: BackendHealthOptions = { ...DEFAULT_BACKEND_HEALTH, ...opts.backendHealth };
    // The breaker probes through the stage (a backend without a probe of its own gets a 1-token sample).
    const breaker: BackendBreaker = new BackendBreaker(health, (signal) => sampleJudge.probe(signal), stop, (n) => opts.onNotice?.(n), (e) => stopper.abort(e));
    const sampleJudge = new SampleJudge({ sampler, backendKind: backend.kind, generation, configHash, judges, selection, target: pipeline.target, concurrency: backend.concurrency, gate: breaker, signal: hard.signal, previous: previous ?? undefined });
    const committer = new Committer(store, stats, {
      quotas: pipeline.quotas,
      shardRows: output.shardRows,
      shardBytes: output.shardBytes,
      commitEverySeconds: output.commitEverySeconds,
      commits: resume.commits,
      seconds: () => start.seconds + (performance.now() - runStart) / 1000,
    });

    let totalPrompts: number | null = null;
    if (opts.onProgress) void countPrompts(pipeline, opts).then((n) => (totalPrompts = n), () => {});
    const progress = (firstPass?: Progress['firstPass']) =>
      opts.onProgress?.({
        prompts: stats.prompts,
        samples: stats.samples,
        accepted: stats.accepted,
        quarantined: stats.rows.quarantine,
        duplicates: stats.duplicates,
        commits: committer.commits,
        runPrompts: stats.prompts - start.prompts,
        runSamples: stats.samples - start.samples,
        runSeconds: (performance.now() - runStart) / 1000,
        totalPrompts,
        ...(firstPass ? { firstPass } : {}),
      });

    /** Committed prompts met again in the inputs (to report those no longer there). */
    let doneSeen = 0;
    const units = admit(pipeline.sources, {
      dedupe: pipeline.dedupe,
      maxPromptBytes: pipeline.maxPromptBytes,
      shard: opts.shard,
      limit: opts.limit,
      done: { promptIds: resume.donePromptIds, quarantine: resume.doneQuarantine },
      resumeFrom: inputsChanged ? 0 : stats.consumed,
      quotaMet: (domain) => quotaMet(pipeline.quotas, domain, stats.domains[domain]?.sft ?? 0),
      onDone: () => void doneSeen++,
      signal: stop,
      onFirstPass: (stage, promptsRead) => progress({ stage, promptsRead }),
    });

    const processBatch = async (batch: Unit[]): Promise<BatchOutcome> => {
      const prompts = batch.flatMap((u) => (u.kind === 'prompt' ? [u.prompt] : []));
      const judged = await sampleJudge.run(prompts);
      const byPrompt = new Map<Prompt, BatchOutcome['items'][number]>(judged.map((j) => [j.prompt, shapePrompt(j, selection, { generation, configHash })]));
      return {
        lastOrdinal: batch[batch.length - 1].ordinal,
        aborted: hard.signal.aborted,
        items: batch.map((u) => (u.kind === 'prompt' ? byPrompt.get(u.prompt)! : u)),
      };
    };

    const batchSize = Math.max(1, backend.batchSize);
    const batches = groupBy(units, (g) => g.filter((u) => u.kind === 'prompt').length >= batchSize || g.length >= batchSize * 8);
    for await (const outcome of orderedMap(batches, processBatch, Math.max(2, backend.concurrency * 2))) {
      // Work cut short by the hard stop is not committed (its prompts are not done); what came before is.
      if (outcome.aborted) break;
      committer.take(outcome);
      progress();
      if (committer.due) await committer.commit();
    }
    await committer.flush();
    progress();

    const interrupted = stop.aborted;
    const pending = committer.pending;
    const report = targetReport(pipeline, buildReport({
      pipeline: pipeline.name,
      out: store.dir,
      configHash: identity.configHash,
      interrupted,
      resumedFromCommits: resume.commits,
      stats,
      start,
      runSeconds: (performance.now() - runStart) / 1000,
    }));
    const backendCounters = sampler.report?.();
    if (backendCounters) report.backend = backendCounters;
    if (previous) report.incremental = previous.counts();
    report.backendHealth = {
      stoppedBy: breaker.failure,
      outages: breaker.outages,
      outageSeconds: Math.round(breaker.downSeconds),
      pendingPrompts: pending.size,
      resampledPrompts: stats.resampled - start.resampled,
    };
    if (inputsChanged) {
      // Only a run that read every input knows which committed prompts are gone.
      const readAll = !interrupted && opts.limit === undefined;
      report.inputChanges = { inputs: inputChanges, removedPrompts: readAll ? resume.donePromptIds.size - doneSeen : null };
    }
    // Finished only when every prompt is done: prompts waiting on the backend keep the build open. The model and
    // the judges' workers go first: the dataset card's figures (DuckDB, in finish) then do not add to their memory.
    if (!interrupted && pending.size === 0) {
      await release();
      await store.finish(report);
    }
    return report;
  } finally {
    stop.removeEventListener('abort', onStop);
    clearTimeout(graceTimer);
    await release();
    await store.close();
    await lock?.release();
  }
}

/** Prompts the build will have (for the ETA): rows in the sources, over the shard, capped by the limit. */
async function countPrompts(pipeline: Pipeline, opts: RunOptions): Promise<number | null> {
  let n = 0;
  for (const s of pipeline.sources) {
    if (!s.count) return null;
    n += await s.count();
  }
  if (opts.shard && opts.shard.count > 1) n = Math.ceil(n / opts.shard.count);
  return opts.limit !== undefined ? Math.min(n, opts.limit) : n;
}
