import type { ChatMessage } from '../../schemas/chat.ts';
import type { GenerationConfig } from '../../schemas/generation.ts';
import { promptText, type Prompt } from '../../schemas/prompt.ts';
import type { DistillRecord, PrefRecord, SampleRecord, SftRecord } from '../../schemas/records.ts';
import { responseOf, type Sample } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import { splitResponse } from '../judges/response.ts';
import type { JudgedSample, PromptSelection } from './policy.ts';

/** The corpus rows of one prompt (never split across commits). */
export interface PromptRows {
  sft: SftRecord[];
  distill: DistillRecord[];
  samples: SampleRecord[];
  prefs: PrefRecord[];
}

export interface RowContext {
  generation: GenerationConfig;
  /** The generation-config hash in the sample keys. */
  configHash: string;
}

export function verdictColumn(v: Verdict) {
  return { judge: v.judge, verdict: v.verdict, score: v.score ?? null, reason: v.reason, detail_json: v.detail ? JSON.stringify(v.detail) : null };
}

/** The assistant turn of a training row, R1 style: reasoning in `<think>`, then the final answer. */
export function assistantTurn(sample: Pick<Sample, 'prefill' | 'text'>): ChatMessage {
  const { reasoning, answer } = splitResponse(responseOf(sample));
  return { role: 'assistant', content: `<think>\n${reasoning}\n</think>\n\n${answer}` };
}

export function sftRecord(prompt: Prompt, sample: Sample, reward: number | null): SftRecord {
  return {
    id: sample.key,
    prompt_id: prompt.id,
    messages: [...prompt.messages, assistantTurn(sample)],
    domain: prompt.domain,
    source: prompt.source,
    prompt_tokens: sample.promptTokens,
    completion_tokens: sample.completionTokens,
    reward,
  };
}

export function distillRecord(prompt: Prompt, judged: JudgedSample, passRate: number, ctx: RowContext): DistillRecord {
  const { sample } = judged;
  const { reasoning, answer } = splitResponse(responseOf(sample));
  return {
    id: sample.key,
    prompt_id: prompt.id,
    prompt: promptText(prompt),
    prompt_messages: prompt.messages,
    reasoning,
    answer,
    reference: prompt.reference,
    teacher: sample.model,
    temperature: ctx.generation.temperature,
    top_p: ctx.generation.topP,
    max_tokens: ctx.generation.maxTokens,
    seed: ctx.generation.seed,
    config_hash: ctx.configHash,
    verdicts: judged.verdicts.map(verdictColumn),
    pass_rate: passRate,
    domain: prompt.domain,
    source: prompt.source,
    prompt_tokens: sample.promptTokens,
    completion_tokens: sample.completionTokens,
  };
}

export function sampleRecord(prompt: Prompt, judged: JudgedSample, decision: PromptSelection['decisions'][number], selected: boolean, passRate: number): SampleRecord {
  const { sample } = judged;
  const response = responseOf(sample);
  const { reasoning, answer } = splitResponse(response);
  return {
    key: sample.key,
    prompt_id: prompt.id,
    sample_index: sample.index,
    config_hash: sample.configHash,
    domain: prompt.domain,
    source: prompt.source,
    prompt: promptText(prompt),
    reference: prompt.reference,
    response,
    reasoning,
    answer,
    finish_reason: sample.finishReason,
    model: sample.model,
    prompt_tokens: sample.promptTokens,
    completion_tokens: sample.completionTokens,
    error: sample.error,
    verdicts: judged.verdicts.map(verdictColumn),
    accepted: decision.accepted,
    selected,
    reward: decision.reward,
    pass_rate: passRate,
    disagreement: decision.disagreement,
  };
}

export function prefRecord(prompt: Prompt, chosen: JudgedSample, rejected: JudgedSample, rewards: [number | null, number | null]): PrefRecord {
  return {
    id: `${chosen.sample.key}>${rejected.sample.index}`,
    prompt_id: prompt.id,
    prompt: prompt.messages,
    chosen: [assistantTurn(chosen.sample)],
    rejected: [assistantTurn(rejected.sample)],
    chosen_key: chosen.sample.key,
    rejected_key: rejected.sample.key,
    chosen_reward: rewards[0],
    rejected_reward: rewards[1],
    domain: prompt.domain,
  };
}

/** All rows of one prompt from its judged samples and the policy's selection. */
export function promptRows(prompt: Prompt, judged: readonly JudgedSample[], selection: PromptSelection, ctx: RowContext): PromptRows {
  const accepted = selection.decisions.filter((d) => d.accepted).length;
  const passRate = judged.length ? accepted / judged.length : 0;
  const selected = new Set(selection.selected);
  return {
    sft: selection.selected.map((i) => sftRecord(prompt, judged[i].sample, selection.decisions[i].reward)),
    distill: selection.selected.map((i) => distillRecord(prompt, judged[i], passRate, ctx)),
    samples: judged.map((j, i) => sampleRecord(prompt, j, selection.decisions[i], selected.has(i), passRate)),
    prefs: selection.prefs.map(([c, r]) => prefRecord(prompt, judged[c], judged[r], [selection.decisions[c].reward, selection.decisions[r].reward])),
  };
}
