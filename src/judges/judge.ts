import type { Prompt } from '../../schemas/prompt.ts';
import type { Sample } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';

export interface JudgeContext {
  /** previous[i]: verdicts already given to samples[i] by the judges that ran before this one. */
  readonly previous: readonly (readonly Verdict[])[];
  readonly signal?: AbortSignal;
}

/**
 * A judge gets a prompt (with its reference) and all its samples, and returns one verdict per sample, in order,
 * or null where it does not apply (e.g. a fallback judge whose rule judge already passed). Group-level judges
 * (majority vote) need all k samples at once; per-sample judges use `perSampleJudge`.
 */
export interface Judge {
  /** The name its verdicts are recorded under (the engine records every verdict of this judge under it). */
  readonly name: string;
  /** Judges whose verdicts this one reads (e.g. a fallback's rule judge): definePipeline checks they exist and run before it. */
  readonly reads?: readonly string[];
  /** JSON-serialisable options; part of the pipeline config hash. */
  describe(): Record<string, unknown>;
  judge(prompt: Prompt, samples: readonly Sample[], ctx: JudgeContext): Promise<(Verdict | null)[]>;
  /** Release worker pools, sandboxes, model sessions. */
  close?(): Promise<void>;
}

/** Build a Judge from a function of one sample. */
export function perSampleJudge(
  name: string,
  options: Record<string, unknown>,
  fn: (prompt: Prompt, sample: Sample, previous: readonly Verdict[]) => Verdict | null | Promise<Verdict | null>,
  close?: () => Promise<void>,
): Judge {
  return {
    name,
    describe: () => ({ name, ...options }),
    judge: (prompt, samples, ctx) => Promise.all(samples.map((s, i) => fn(prompt, s, ctx.previous[i] ?? []))),
    close,
  };
}
