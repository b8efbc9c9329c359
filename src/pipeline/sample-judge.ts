import pLimit from 'p-limit';
import type { GenerationConfig } from '../../schemas/generation.ts';
import type { TargetSampling } from '../../schemas/pipeline.ts';
import type { Prompt } from '../../schemas/prompt.ts';
import { sampleKey, type Sample } from '../../schemas/sample.ts';
import type { Judge } from '../judges/judge.ts';
import type { GeneratedSample, ProbeResult, SampleRequest, Sampler } from '../models/sampler.ts';
import type { JudgedSample, SelectionPolicy } from '../select/policy.ts';
import { judgeGroup, type StoredGroup } from './judge-group.ts';
import type { PreviousBuild, StoredVerdicts } from './reuse.ts';
import { sampleInRounds } from './target-sampling.ts';

/**
 * Stage 2 of a build: sample a batch of prompts (fixed k, or rounds until a target) and run the judges over each
 * prompt's samples. Backend calls report to the circuit breaker; samples that failed on the backend's state are
 * asked for again (at once, or after recovery) and, while they still fail, mark their prompt as not done. The
 * build's abort signal reaches the sampler and every judge, so a hard stop cuts requests and judge calls short.
 */

/** The circuit breaker as this stage uses it (BackendBreaker). */
export interface CallGate {
  readonly open: boolean;
  readonly failure: string | null;
  /** Outcome of one call: `ok` when it produced at least one sample. */
  record(ok: boolean, reason?: string): void;
  /** May a call whose samples failed try again (its `attempt`-th retry; -1: a first call while the gate is open)? */
  mayRetry(attempt: number): Promise<boolean>;
}

/** One prompt after sampling and judging. */
export interface JudgedPrompt {
  prompt: Prompt;
  /** Its samples in index order, each with its verdicts. */
  judged: JudgedSample[];
  /** Why it is not done when a sample still failed on a backend error (sampled again later), else null. */
  failed: string | null;
  /** Sampled again in this run after its samples failed on backend errors. */
  resampled: boolean;
}

export interface SampleJudgeOptions {
  sampler: Sampler;
  /** The backend's kind, for messages. */
  backendKind: string;
  generation: GenerationConfig;
  /** generationHash of the backend and generation config: part of every sample key. */
  configHash: string;
  judges: readonly Judge[];
  selection: SelectionPolicy;
  /** Target-driven sampling (rounds); fixed k when absent. */
  target?: TargetSampling;
  /** generate() calls in flight. */
  concurrency: number;
  gate: CallGate;
  /** Aborts requests and judges in flight (the build's hard stop). */
  signal: AbortSignal;
  /** An incremental build: samples the previous build made are served from it with their stored verdicts. */
  previous?: PreviousBuild;
}

type Request = { prompt: Prompt; indices: readonly number[] };

export class SampleJudge {
  private readonly calls: ReturnType<typeof pLimit>;
  private readonly indices: number[];
  /** Samples whose failure was the backend's state (down, timed out), not the request's: their prompt is not done. */
  private readonly transient = new WeakSet<Sample>();
  /** Prompts sampled again in this run after their samples failed on backend errors. */
  private readonly resampledNow = new WeakSet<Prompt>();
  /** Verdicts a previous build stored for reused samples (incremental builds). */
  private readonly storedOf = new WeakMap<Sample, StoredVerdicts>();
  private readonly judgeNames: Set<string>;
  private readonly distinctNames: boolean;
  /** The last prompt sent: a backend without a probe of its own is probed with it. */
  private lastPrompt: Prompt | null = null;

  constructor(private readonly o: SampleJudgeOptions) {
    this.calls = pLimit(Math.max(1, o.concurrency));
    this.indices = Array.from({ length: o.generation.k }, (_, i) => i);
    this.judgeNames = new Set(o.judges.map((j) => j.name));
    this.distinctNames = this.judgeNames.size === o.judges.length;
  }

  /** Sample and judge a batch of prompts (one backend call per round for all of them). */
  async run(prompts: readonly Prompt[]): Promise<JudgedPrompt[]> {
    const { target, generation, selection } = this.o;
    // Fixed k: one round of k samples. Target-driven: rounds until m accepted or the budget is spent.
    const judgedBy = new Map<Prompt, JudgedSample[]>();
    if (target) {
      const accepted = (p: Prompt, j: JudgedSample[]) => selection.select(p, j).decisions.filter((d) => d.accepted).length;
      const rounds = await sampleInRounds(prompts, target, generation.k, { sample: (r) => this.sample(r), judge: (p, s) => this.judge(p, s), accepted });
      for (const [p, r] of rounds) judgedBy.set(p, r.judged);
    } else {
      const sampled = prompts.length ? await this.sample(prompts.map((prompt) => ({ prompt, indices: this.indices }))) : new Map<Prompt, Sample[]>();
      await Promise.all(
        prompts.map(async (prompt) => {
          const samples = sampled.get(prompt)!;
          const verdicts = await this.judge(prompt, samples);
          judgedBy.set(prompt, samples.map((sample, i) => ({ sample, verdicts: verdicts[i] })));
        }),
      );
    }
    return prompts.map((prompt) => {
      const judged = judgedBy.get(prompt)!;
      const failed = judged.find((j) => this.transient.has(j.sample));
      return { prompt, judged, failed: failed ? (failed.sample.error ?? 'backend error') : null, resampled: this.resampledNow.has(prompt) };
    });
  }

  /** A 1-token request telling whether the backend serves again (the sampler's own probe when it has one). */
  async probe(signal: AbortSignal): Promise<ProbeResult> {
    const { sampler, generation } = this.o;
    if (sampler.probe) return sampler.probe(signal);
    if (!this.lastPrompt) return { ok: false, retryable: true, reason: 'no prompt to probe with' };
    const [g] = await sampler.generate([{ prompt: this.lastPrompt, indices: [0], keys: ['probe'] }], { ...generation, maxTokens: 1 }, signal);
    return g && g.finishReason !== 'error' ? { ok: true } : { ok: false, retryable: g?.transient !== false, reason: g?.error ?? 'no sample' };
  }

  /** The judges over one prompt's samples, with the verdicts a previous build stored where they stand. */
  private judge(prompt: Prompt, samples: readonly Sample[]) {
    return judgeGroup(this.o.judges, prompt, samples, this.storedGroup(samples), this.o.signal);
  }

  // Stored verdicts stand only for a group whose live samples all have them (a judge may look at the whole group),
  // and only when judge names are distinct (stored verdicts are told apart by judge name).
  private storedGroup(samples: readonly Sample[]): StoredGroup | undefined {
    const stored = samples.filter((s) => s.finishReason !== 'error').map((s) => this.storedOf.get(s));
    if (stored.length === 0 || stored.every((x) => x === undefined)) return undefined;
    // A stored verdict under a name no judge has (a judge that records under another name) cannot be attributed.
    const attributable = (x: StoredVerdicts | undefined) => x !== undefined && x.verdicts.every((v) => this.judgeNames.has(v.judge));
    const kept = this.distinctNames && stored.every(attributable) ? Math.min(...stored.map((x) => x!.judges)) : 0;
    for (const x of stored) x?.used(kept);
    return kept > 0 ? { judges: kept, verdicts: stored.map((x) => x!.verdicts) } : undefined;
  }

  /** One backend call for a batch of (prompt, indices); a missing or failed sample becomes an error sample. */
  private async call(reqs: readonly Request[], send: boolean): Promise<Map<Prompt, Sample[]>> {
    const { sampler, generation, configHash, backendKind: kind, gate, signal, previous } = this.o;
    const model = sampler.model;
    let requests: SampleRequest[] = reqs.map(({ prompt, indices: ix }) => ({ prompt, indices: ix, keys: ix.map((i) => sampleKey(prompt.id, i, configHash)) }));
    let generated: GeneratedSample[] = [];
    const stored = new Map<GeneratedSample, StoredVerdicts>();
    if (previous && requests.length > 0) {
      const { served, rest } = await previous.take(requests);
      for (const r of served) {
        generated.push(r.sample);
        stored.set(r.sample, r.stored);
      }
      requests = rest;
    }
    let failure: string | null = send ? null : `not sent: backend ${kind} is down (${gate.failure ?? 'the build is stopping'})`;
    if (requests.length > 0 && send) {
      this.lastPrompt = requests[requests.length - 1].prompt;
      try {
        const fresh = await this.calls(() => sampler.generate(requests, generation, signal));
        previous?.generated(fresh.length);
        generated = generated.concat(fresh);
      } catch (e) {
        failure = `backend ${kind} failed: ${e instanceof Error ? e.message : String(e)}`;
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
            const s: Sample = { ...base, prefill: '', text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, error: failure ?? `backend ${kind} returned no sample ${index} for prompt "${prompt.id}"` };
            this.transient.add(s);
            return s;
          }
          const sample: Sample = { ...base, prefill: g.prefill, text: g.text, finishReason: g.finishReason, promptTokens: g.promptTokens, completionTokens: g.completionTokens, error: g.error };
          const kept = stored.get(g);
          if (kept) this.storedOf.set(sample, kept);
          if (g.finishReason === 'error' && g.transient) this.transient.add(sample);
          return sample;
        }),
      ]),
    );
  }

  /**
   * A call, its outcome told to the gate, and its transiently failed samples asked for again: at once for an
   * isolated failure, after recovery during an outage. What still fails stays an error sample (prompt not done).
   */
  private async sample(reqs: readonly Request[]): Promise<Map<Prompt, Sample[]>> {
    const { gate, signal } = this.o;
    const out = new Map<Prompt, Sample[]>();
    let todo = reqs;
    for (let attempt = 0; todo.length > 0; attempt++) {
      // While the gate is open nothing new is sent: wait for the backend to serve again (or the build to stop).
      const send = attempt > 0 || !gate.open || (await gate.mayRetry(-1));
      const got = await this.call(todo, send);
      if (!send) {
        for (const { prompt } of todo) out.set(prompt, got.get(prompt)!);
        break;
      }
      const retry: Request[] = [];
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
          if (this.transient.has(smp)) {
            failed.push(ix[i]);
            reason ||= smp.error ?? '';
          } else served = true;
        });
        out.set(prompt, slots);
        if (failed.length) retry.push({ prompt, indices: failed });
      }
      gate.record(served || retry.length === 0, reason);
      if (retry.length === 0 || signal.aborted || !(await gate.mayRetry(attempt))) break;
      for (const r of retry) this.resampledNow.add(r.prompt);
      todo = retry;
    }
    return out;
  }
}
