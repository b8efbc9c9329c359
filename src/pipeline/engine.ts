import pLimit from 'p-limit';
import type { Prompt } from '../../schemas/prompt.ts';
import type { QuarantineRecord } from '../../schemas/records.ts';
import { sampleKey, type Sample } from '../../schemas/sample.ts';
import type { GeneratedSample, ProbeResult, SampleRequest, Sampler, StoredVerdicts } from '../models/sampler.ts';
import type { JudgedSample } from '../select/policy.ts';
import { promptRows, type PromptRows } from '../select/rows.ts';
import type { BuildIdentity, BuildStore, ChunkRows } from '../sinks/build-store.ts';
import { ExactDedupe } from '../sources/exact-dedupe.ts';
import { quarantineItem } from '../sources/quarantine.ts';
import { inShard, type ShardSpec } from '../sources/shard.ts';
import { buildReport, countPrompt, countQuarantine, statsFrom, type BuildReport } from './build-stats.ts';
import { codeVersion } from './code-version.ts';
import { canonicalJson, generationHash, pipelineConfigJson, sha256Hex } from './config-hash.ts';
import type { Pipeline } from './define.ts';
import { defaultBuildStore } from './default-store.ts';
import { judgeGroup, type StoredGroup } from './judge-group.ts';
import { quotaMet, quotaRoom, sampleInRounds, targetReport, trimRowsToQuota, type SamplingReport } from './target-sampling.ts';
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
}

/** Default grace period after a stop before in-flight requests are aborted. */
export const DEFAULT_GRACE_MS = 15_000;

/** A source item on its way to the sampler, numbered in reading order (resume skips the committed prefix). */
type Unit = { ordinal: number } & ({ kind: 'prompt'; prompt: Prompt } | { kind: 'quarantine'; record: QuarantineRecord } | { kind: 'duplicate' } | { kind: 'quota' });

/** What one batch produced, in unit order. */
interface BatchOutcome {
  lastOrdinal: number;
  /** The batch finished after in-flight work was aborted: its results may be cut short and are not committed. */
  aborted: boolean;
  items: (
    | { kind: 'prompt'; prompt: Prompt; rows: PromptRows; verdicts: JudgedSample['verdicts'][]; resampled: boolean }
    /** Samples failed on backend errors (down, timed out): not done; sampled again after recovery or by the next run. */
    | { kind: 'failed'; prompt: Prompt; reason: string }
    | { kind: 'quarantine'; record: QuarantineRecord }
    | { kind: 'duplicate' }
    | { kind: 'quota' }
  )[];
}

/**
 * Text a chunk may hold in memory before it is committed, whatever output.shardBytes says: a chunk is buffered (and
 * a second one fills while it is written), so this bounds the build's RSS. Shards are then at most this big.
 */
export const MAX_CHUNK_BYTES = 32 * 1024 * 1024;

const emptyChunk = (): ChunkRows => ({ sft: [], distill: [], samples: [], prefs: [], quarantine: [] });

/** Rough text size of a row (string lengths), to roll chunks by shardBytes without serialising rows twice. */
function approxBytes(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + approxBytes(x), 0);
  if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + approxBytes(x), 0);
  return 8;
}

/** The identity a build directory is checked against on resume: the pipeline config, plus the shard when sharded. */
export function buildIdentityConfig(pipeline: Pipeline, shard?: ShardSpec): Record<string, unknown> {
  const config = pipelineConfigJson(pipeline);
  return shard && shard.count > 1 ? { ...config, shard: `${shard.index}/${shard.count}` } : config;
}

/**
 * Run a pipeline into a build directory: source → validate/quarantine → exact dedupe → shard filter → skip done →
 * batch → sample (backend.batchSize prompts a call, backend.concurrency calls in flight) → judges in order →
 * selection → corpus rows → chunk → commit. Work in flight is bounded (a slow sink slows the sampler) and results
 * are committed in reading order, so a commit covers a prefix of the input: resume skips it exactly.
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
    const resumeFrom = inputsChanged ? 0 : stats.consumed;
    sampler = await backend.open({ out: opts.out });
    const model = sampler.model;
    const live = sampler;
    let commits = resume.commits;
    // Prompts that failed on backend errors and are not done yet (from earlier runs, and this run's).
    const pending = new Set(stats.backendPending);
    /** Ids of committed prompts seen in this run's read (to report those no longer in the inputs). */
    let doneSeen = 0;

    const health: BackendHealthOptions = { ...DEFAULT_BACKEND_HEALTH, ...opts.backendHealth };
    let lastPrompt: Prompt | null = null;
    const probe = async (signal: AbortSignal): Promise<ProbeResult> => {
      if (live.probe) return live.probe(signal);
      // A backend without its own probe: one 1-token sample of the last prompt sent.
      if (!lastPrompt) return { ok: false, retryable: true, reason: 'no prompt to probe with' };
      const [g] = await live.generate([{ prompt: lastPrompt, indices: [0], keys: ['probe'] }], { ...generation, maxTokens: 1 }, signal);
      return g && g.finishReason !== 'error' ? { ok: true } : { ok: false, retryable: g?.transient !== false, reason: g?.error ?? 'no sample' };
    };
    const breaker = new BackendBreaker(health, probe, stop, (n) => opts.onNotice?.(n), (e) => stopper.abort(e));

    let totalPrompts: number | null = null;
    if (opts.onProgress) void countPrompts(pipeline, opts).then((n) => (totalPrompts = n), () => {});

    // Source → quarantine / dedupe / shard / limit / skip-done, numbered in reading order.
    const dedupe = new ExactDedupe(pipeline.dedupe);
    async function* units(): AsyncGenerator<Unit> {
      let ordinal = 0;
      let inScope = 0;
      for (const source of pipeline.sources) {
        for await (const item of source.read({ maxPromptBytes: pipeline.maxPromptBytes, signal: stop, onFirstPass: (stage, promptsRead) => progress({ stage, promptsRead }) })) {
          if (stop.aborted) return;
          const o = ordinal++;
          if (item.kind === 'quarantine') {
            const where = `${item.record.file}:${item.record.line}`;
            if (inShard(where, opts.shard) && !resume.doneQuarantine.has(where)) yield { ordinal: o, kind: 'quarantine', record: item.record };
            continue;
          }
          const p = item.prompt;
          const seen = dedupe.check(p);
          if (!inShard(p.id, opts.shard)) continue;
          if (seen === 'duplicate') {
            if (o >= resumeFrom) yield { ordinal: o, kind: 'duplicate' };
            continue;
          }
          if (seen === 'duplicate-id') {
            const at = item.at ?? { file: source.name, line: 0 };
            const q = quarantineItem(at.file, at.line, 'duplicate-id', `prompt id "${p.id}" was already used by a different prompt`, JSON.stringify(p).slice(0, 2048));
            if (q.kind === 'quarantine' && !resume.doneQuarantine.has(`${at.file}:${at.line}`)) yield { ordinal: o, kind: 'quarantine', record: q.record };
            continue;
          }
          if (opts.limit !== undefined && ++inScope > opts.limit) return;
          // Resume by prompt id, never by position: an edited input (lines added, removed, moved) loses nothing.
          if (resume.donePromptIds.has(p.id)) {
            doneSeen++;
            continue;
          }
          // Domain quota met by the committed-order count: every later prompt of the domain is skipped too.
          if (quotaMet(pipeline.quotas, p.domain, stats.domains[p.domain]?.sft ?? 0)) {
            if (o >= resumeFrom) yield { ordinal: o, kind: 'quota' };
            continue;
          }
          yield { ordinal: o, kind: 'prompt', prompt: p };
        }
      }
    }

    const batchSize = Math.max(1, backend.batchSize);
    const sampling = pLimit(Math.max(1, backend.concurrency));
    const indices = Array.from({ length: generation.k }, (_, i) => i);

    // Verdicts a previous build stored for reused samples (incremental builds). They stand only for a group whose
    // live samples all have them (a judge may look at the whole group), and only when judge names are distinct
    // (stored verdicts are told apart by judge name).
    const storedOf = new WeakMap<Sample, StoredVerdicts>();
    const judgeNames = new Set(judges.map((j) => j.name));
    const distinctNames = judgeNames.size === judges.length;
    // A stored verdict under a name no judge has (a judge that records under another name) cannot be attributed.
    const attributable = (x: StoredVerdicts | undefined) => x !== undefined && x.verdicts.every((v) => judgeNames.has(v.judge));
    const storedGroup = (samples: readonly Sample[]): StoredGroup | undefined => {
      const stored = samples.filter((s) => s.finishReason !== 'error').map((s) => storedOf.get(s));
      if (stored.length === 0 || stored.every((x) => x === undefined)) return undefined;
      const kept = distinctNames && stored.every(attributable) ? Math.min(...stored.map((x) => x!.judges)) : 0;
      for (const x of stored) x?.used(kept);
      return kept > 0 ? { judges: kept, verdicts: stored.map((x) => x!.verdicts) } : undefined;
    };
    const judgeSamples = (prompt: Prompt, samples: readonly Sample[]) => judgeGroup(judges, prompt, samples, storedGroup(samples));

    // Samples whose failure was the backend's state (down, timed out), not the request's: their prompt is not done.
    const transient = new WeakSet<Sample>();
    // Prompts sampled again in this run after their samples failed on backend errors.
    const resampledNow = new WeakSet<Prompt>();

    // One backend call for a batch of (prompt, indices); a missing or failed sample becomes an error sample.
    async function callBackend(reqs: readonly { prompt: Prompt; indices: readonly number[] }[], send = true): Promise<Map<Prompt, Sample[]>> {
      const requests: SampleRequest[] = reqs.map(({ prompt, indices: ix }) => ({ prompt, indices: ix, keys: ix.map((i) => sampleKey(prompt.id, i, configHash)) }));
      let generated: GeneratedSample[] = [];
      let failure: string | null = send ? null : `not sent: backend ${backend.kind} is down (${breaker.failure ?? 'the build is stopping'})`;
      if (requests.length > 0 && send) {
        lastPrompt = requests[requests.length - 1].prompt;
        try {
          generated = await sampling(() => live.generate(requests, generation, hard.signal));
        } catch (e) {
          failure = `backend ${backend.kind} failed: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
      const byKey = new Map(generated.map((g) => [`${g.promptId}\u0000${g.index}`, g]));
      return new Map(
        reqs.map(({ prompt, indices: ix }) => [
          prompt,
          ix.map((index): Sample => {
            const g = byKey.get(`${prompt.id}\u0000${index}`);
            const base = { key: sampleKey(prompt.id, index, configHash), promptId: prompt.id, index, configHash, model };
            if (!g) {
              const s: Sample = { ...base, prefill: '', text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, error: failure ?? `backend ${backend.kind} returned no sample ${index} for prompt "${prompt.id}"` };
              transient.add(s);
              return s;
            }
            const sample: Sample = { ...base, prefill: g.prefill, text: g.text, finishReason: g.finishReason, promptTokens: g.promptTokens, completionTokens: g.completionTokens, error: g.error };
            if (g.stored) storedOf.set(sample, g.stored);
            if (g.finishReason === 'error' && g.transient) transient.add(sample);
            return sample;
          }),
        ]),
      );
    }

    // A call, its outcome told to the breaker, and its transiently failed samples asked for again: at once for an
    // isolated failure, after recovery during an outage. What still fails stays an error sample (prompt not done).
    async function sampleBatch(reqs: { prompt: Prompt; indices: readonly number[] }[]): Promise<Map<Prompt, Sample[]>> {
      const out = new Map<Prompt, Sample[]>();
      let todo = reqs;
      for (let attempt = 0; todo.length > 0; attempt++) {
        // While the breaker is open nothing new is sent: wait for the backend to serve again (or the build to stop).
        const send = attempt > 0 || !breaker.open || (await breaker.mayRetry(-1));
        const got = await callBackend(todo, send);
        if (!send) {
          for (const { prompt } of todo) out.set(prompt, got.get(prompt)!);
          break;
        }
        const retry: { prompt: Prompt; indices: number[] }[] = [];
        let served = false;
        let reason = '';
        for (const { prompt, indices: ix } of todo) {
          const samples = got.get(prompt)!;
          const slots = out.get(prompt) ?? [];
          const failed: number[] = [];
          samples.forEach((smp, i) => {
            const at = attempt === 0 ? slots.length : slots.findIndex((x) => x.index === ix[i]);
            if (attempt === 0) slots.push(smp);
            else slots[at] = smp;
            if (transient.has(smp)) {
              failed.push(ix[i]);
              reason ||= smp.error ?? '';
            } else served = true;
          });
          out.set(prompt, slots);
          if (failed.length) retry.push({ prompt, indices: failed });
        }
        breaker.record(served || retry.length === 0, reason);
        if (retry.length === 0 || hard.signal.aborted || !(await breaker.mayRetry(attempt))) break;
        for (const r of retry) resampledNow.add(r.prompt);
        todo = retry;
      }
      return out;
    }

    async function processBatch(batch: Unit[]): Promise<BatchOutcome> {
      const prompts = batch.flatMap((u) => (u.kind === 'prompt' ? [u.prompt] : []));
      // Fixed k: one round of k samples. Target-driven: rounds until m accepted or the budget is spent.
      const judgedBy = new Map<Prompt, JudgedSample[]>();
      if (pipeline.target) {
        const accepted = (p: Prompt, j: JudgedSample[]) => selection.select(p, j).decisions.filter((d) => d.accepted).length;
        const rounds = await sampleInRounds(prompts, pipeline.target, generation.k, { sample: sampleBatch, judge: judgeSamples, accepted });
        for (const [p, r] of rounds) judgedBy.set(p, r.judged);
      } else {
        const sampled = prompts.length ? await sampleBatch(prompts.map((prompt) => ({ prompt, indices }))) : new Map<Prompt, Sample[]>();
        await Promise.all(
          prompts.map(async (prompt) => {
            const samples = sampled.get(prompt)!;
            const verdicts = await judgeSamples(prompt, samples);
            judgedBy.set(prompt, samples.map((sample, i) => ({ sample, verdicts: verdicts[i] })));
          }),
        );
      }
      const done = prompts.map((prompt) => {
        const judged = judgedBy.get(prompt)!;
        const failed = judged.find((j) => transient.has(j.sample));
        if (failed) return { kind: 'failed' as const, prompt, reason: failed.sample.error ?? 'backend error' };
        let picked;
        try {
          picked = selection.select(prompt, judged);
        } catch (e) {
          throw new Error(`selection policy failed on prompt "${prompt.id}": ${(e as Error).message}`);
        }
        const rows = promptRows(prompt, judged, picked, { generation, configHash });
        return { kind: 'prompt' as const, prompt, rows, verdicts: judged.map((j) => j.verdicts), resampled: resampledNow.has(prompt) };
      });
      const byPrompt = new Map(done.map((d) => [d.prompt, d]));
      return {
        lastOrdinal: batch[batch.length - 1].ordinal,
        aborted: hard.signal.aborted,
        items: batch.map((u) => (u.kind === 'prompt' ? byPrompt.get(u.prompt)! : u)),
      };
    }

    // Chunk buffer and commit. One commit may be in flight while the next chunk fills (the writers encode and
    // fsync while the judges keep working); commits still run one at a time, in order, each a prefix of the input.
    let chunk = emptyChunk();
    let chunkRows = 0;
    let chunkBytes = 0;
    let committedConsumed = stats.consumed;
    let lastCommit = performance.now();
    let inFlight: Promise<void> = Promise.resolve();
    let firstCommit = true;
    const commit = async () => {
      if (chunkRows === 0 && stats.consumed === committedConsumed) return;
      // The previous commit first: its failure stops the build here, before another chunk is handed over.
      await inFlight;
      stats.seconds = start.seconds + (performance.now() - runStart) / 1000;
      const rows = chunk;
      const snapshot = structuredClone(stats) as unknown as Record<string, unknown>;
      committedConsumed = stats.consumed;
      chunk = emptyChunk();
      chunkRows = 0;
      chunkBytes = 0;
      lastCommit = performance.now();
      inFlight = store.commit(rows, snapshot).then(() => void commits++);
      // Observed by the next commit() or the final wait; never an unhandled rejection in between.
      inFlight.catch(() => {});
      // The run's first commit is awaited: a store that cannot write (disk, permissions) fails the build at once,
      // and the directory holds a readable prefix before more work is buffered.
      if (firstCommit) {
        firstCommit = false;
        await inFlight;
      }
    };
    const maxChunkBytes = Math.min(output.shardBytes, MAX_CHUNK_BYTES);
    const progress = (firstPass?: Progress['firstPass']) =>
      opts.onProgress?.({
        prompts: stats.prompts,
        samples: stats.samples,
        accepted: stats.accepted,
        quarantined: stats.rows.quarantine,
        duplicates: stats.duplicates,
        commits,
        runPrompts: stats.prompts - start.prompts,
        runSamples: stats.samples - start.samples,
        runSeconds: (performance.now() - runStart) / 1000,
        totalPrompts,
        ...(firstPass ? { firstPass } : {}),
      });

    const batches = groupBy(units(), (g) => g.filter((u) => u.kind === 'prompt').length >= batchSize || g.length >= batchSize * 8);
    for await (const outcome of orderedMap(batches, processBatch, Math.max(2, backend.concurrency * 2))) {
      // Work cut short by the hard stop is not committed (its prompts are not done); what came before is.
      if (outcome.aborted) break;
      for (const item of outcome.items) {
        if (item.kind === 'duplicate') stats.duplicates++;
        else if (item.kind === 'failed') {
          pending.add(item.prompt.id);
        } else if (item.kind === 'quota' || (item.kind === 'prompt' && quotaMet(pipeline.quotas, item.prompt.domain, stats.domains[item.prompt.domain]?.sft ?? 0))) {
          // Over quota (sampled while the quota was being met by prompts before it): counted, not written.
          stats.quotaSkipped++;
          if (item.kind === 'prompt') pending.delete(item.prompt.id);
        } else if (item.kind === 'quarantine') {
          chunk.quarantine.push(item.record);
          countQuarantine(stats, item.record.reason);
          chunkRows++;
        } else {
          // The prompt that meets its domain's quota gives only the rows the quota has room for.
          const rows = trimRowsToQuota(item.rows, quotaRoom(pipeline.quotas, item.prompt.domain, stats.domains[item.prompt.domain]?.sft ?? 0));
          chunk.sft.push(...rows.sft);
          chunk.distill.push(...rows.distill);
          chunk.samples.push(...rows.samples);
          chunk.prefs.push(...rows.prefs);
          countPrompt(stats, item.prompt.domain, rows, item.verdicts);
          if (pending.delete(item.prompt.id) || item.resampled) stats.resampled++;
          chunkRows += rows.samples.length;
          chunkBytes += approxBytes(rows.samples) + approxBytes(rows.sft) + approxBytes(rows.distill) + approxBytes(rows.prefs);
        }
      }
      stats.consumed = outcome.lastOrdinal + 1;
      stats.backendPending = [...pending];
      progress();
      const biggest = Math.max(chunk.sft.length, chunk.distill.length, chunk.samples.length, chunk.prefs.length, chunk.quarantine.length);
      if (biggest >= output.shardRows || chunkBytes >= maxChunkBytes || (performance.now() - lastCommit) / 1000 >= output.commitEverySeconds) await commit();
    }
    stats.backendPending = [...pending];
    await commit();
    await inFlight;
    progress();

    const interrupted = stop.aborted;
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
    // Finished only when every prompt is done: prompts waiting on the backend keep the build open.
    if (!interrupted && pending.size === 0) await store.finish(report as unknown as Record<string, unknown>);
    return report;
  } finally {
    stop.removeEventListener('abort', onStop);
    clearTimeout(graceTimer);
    await sampler?.close().catch(() => {});
    for (const j of judges) await j.close?.().catch(() => {});
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
