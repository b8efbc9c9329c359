import type { Prompt } from '../../schemas/prompt.ts';
import type { Sample } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';

/** A sample after all judges ran. */
export interface JudgedSample {
  sample: Sample;
  verdicts: Verdict[];
}

/** What the policy decided for one sample. */
export interface SampleDecision {
  accepted: boolean;
  reward: number | null;
  /** Rule-vs-generative disagreement label, or null. */
  disagreement: string | null;
}

/** What the policy decided for one prompt. */
export interface PromptSelection {
  decisions: SampleDecision[];
  /** Indices (into the judged array) of samples that go to sft/ and distill/. */
  selected: number[];
  /** Preference pairs as [chosen, rejected] indices into the judged array. */
  prefs: [number, number][];
}

/** Turns the verdicts of one prompt's samples into corpora rows. One policy per pipeline. */
export interface SelectionPolicy {
  describe(): Record<string, unknown>;
  /** Judges whose verdicts it reads by name (definePipeline checks each is in the pipeline's judges). */
  readonly reads?: readonly string[];
  select(prompt: Prompt, judged: readonly JudgedSample[]): PromptSelection;
}
