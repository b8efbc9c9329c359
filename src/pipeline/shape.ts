import type { GenerationConfig } from '../../schemas/generation.ts';
import type { DomainQuotas } from '../../schemas/pipeline.ts';
import type { Prompt } from '../../schemas/prompt.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import type { SelectionPolicy } from '../select/policy.ts';
import { promptRows, type PromptRows } from '../select/rows.ts';
import type { JudgedPrompt } from './sample-judge.ts';
import { quotaMet, quotaRoom, trimRowsToQuota } from './target-sampling.ts';

/**
 * Stage 3 of a build: a judged prompt becomes its corpus rows (the selection policy picks; sft, distill, samples
 * and prefs rows are made), or stays not done when the backend failed some of its samples. As rows are taken in
 * reading order, a domain's quota trims them (`withinQuota`).
 */

/** A prompt's outcome, ready for its commit. */
export type ShapedPrompt =
  | { kind: 'prompt'; prompt: Prompt; rows: PromptRows; verdicts: Verdict[][]; resampled: boolean }
  /** Samples failed on backend errors (down, timed out): not done; sampled again after recovery or by the next run. */
  | { kind: 'failed'; prompt: Prompt; reason: string };

/** Selection and rows of one judged prompt. A policy that throws fails the build, naming the prompt. */
export function shapePrompt(p: JudgedPrompt, selection: SelectionPolicy, ctx: { generation: GenerationConfig; configHash: string }): ShapedPrompt {
  const { prompt, judged } = p;
  if (p.failed !== null) return { kind: 'failed', prompt, reason: p.failed };
  let picked;
  try {
    picked = selection.select(prompt, judged);
  } catch (e) {
    throw new Error(`selection policy failed on prompt "${prompt.id}": ${(e as Error).message}`);
  }
  const rows = promptRows(prompt, judged, picked, ctx);
  return { kind: 'prompt', prompt, rows, verdicts: judged.map((j) => j.verdicts), resampled: p.resampled };
}

/**
 * A prompt's rows against its domain's quota, given the selected rows its domain has so far (in committed order):
 * `null` when the quota was already met (sampled while prompts before it were meeting it: counted, not written),
 * else the rows cut to the room left (the prompt that meets the quota gives only what fits).
 */
export function withinQuota(rows: PromptRows, quotas: DomainQuotas | undefined, domain: string, selectedSoFar: number): PromptRows | null {
  if (quotaMet(quotas, domain, selectedSoFar)) return null;
  return trimRowsToQuota(rows, quotaRoom(quotas, domain, selectedSoFar));
}
