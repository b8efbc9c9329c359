import type { ChatMessage } from '../../schemas/chat.ts';
import type { GenerationConfig } from '../../schemas/generation.ts';
import { promptText, type Prompt } from '../../schemas/prompt.ts';
import type { DistillRecord, PrefRecord, SampleRecord, SftRecord } from '../../schemas/records.ts';
import { responseOf, type Sample } from '../../schemas/sample.ts';
import type { Verdict } from '../../schemas/verdict.ts';
import { lastBoxed, splitResponse } from '../../schemas/response.ts';
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
  return { judge: v.judge, verdict: v.verdict, category: v.category, score: v.score ?? null, reason: v.reason, detail_json: v.detail ? JSON.stringify(v.detail) : null };
}

/** A sample's text in the shapes the rows need, made once a sample so every row shares the same strings. */
export interface SampleText {
  readonly response: string;
  readonly reasoning: string;
  readonly answer: string;
  /** The assistant turn of a training row, R1 style: reasoning in `<think>`, then the final answer. */
  readonly turn: ChatMessage;
}

/**
 * The rows of a chunk wait in memory until it is committed, so one string serves every row that holds the same text
 * (the sft turn, a preference pair, the samples row): a copy each took ~30 MB of the scale build's heap. The turn is
 * made on first use: only selected and paired samples need one.
 */
export function sampleText(sample: Pick<Sample, 'prefill' | 'text'>): SampleText {
  const response = responseOf(sample);
  const { reasoning, answer } = splitResponse(response);
  let turn: ChatMessage | undefined;
  return {
    response,
    reasoning,
    answer,
    get turn() {
      if (!turn) {
        const content = `<think>\n${reasoning}\n</think>\n\n${answer}`;
        turn = { role: 'assistant', content: content === response ? response : content };
      }
      return turn;
    },
  };
}

export function sftRecord(prompt: Prompt, sample: Sample, reward: number | null, text: SampleText = sampleText(sample)): SftRecord {
  return {
    id: sample.key,
    prompt_id: prompt.id,
    messages: [...prompt.messages, text.turn],
    domain: prompt.domain,
    source: prompt.source,
    prompt_tokens: sample.promptTokens,
    completion_tokens: sample.completionTokens,
    reward,
  };
}

/** The extracted final answer of a sample: what the math judge read, else the `<answer>` content or last box. */
export function finalAnswerOf(verdicts: readonly Verdict[], answer: string): string | null {
  const read = verdicts.find((v) => v.judge === 'math')?.detail?.extractedResponse;
  if (typeof read === 'string' && read !== '') return read;
  const tag = /<answer>([\s\S]*?)(?:<\/answer>|$)/.exec(answer);
  if (tag && tag[1].trim() !== '') return lastBoxed(tag[1]) ?? tag[1].trim();
  return lastBoxed(answer);
}

export function distillRecord(prompt: Prompt, judged: JudgedSample, passRate: number, ctx: RowContext, text: SampleText = sampleText(judged.sample)): DistillRecord {
  const { sample } = judged;
  const { reasoning, answer } = text;
  return {
    id: sample.key,
    prompt_id: prompt.id,
    prompt: promptText(prompt),
    prompt_messages: prompt.messages,
    reasoning,
    answer,
    final_answer: finalAnswerOf(judged.verdicts, answer),
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

export function sampleRecord(prompt: Prompt, judged: JudgedSample, decision: PromptSelection['decisions'][number], selected: boolean, passRate: number, text: SampleText = sampleText(judged.sample)): SampleRecord {
  const { sample } = judged;
  const { response, reasoning, answer } = text;
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

export function prefRecord(prompt: Prompt, chosen: JudgedSample, rejected: JudgedSample, rewards: [number | null, number | null], texts: [SampleText, SampleText] = [sampleText(chosen.sample), sampleText(rejected.sample)]): PrefRecord {
  return {
    id: `${chosen.sample.key}>${rejected.sample.index}`,
    prompt_id: prompt.id,
    prompt: prompt.messages,
    chosen: [texts[0].turn],
    rejected: [texts[1].turn],
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
  const texts = judged.map((j) => sampleText(j.sample));
  return {
    sft: selection.selected.map((i) => sftRecord(prompt, judged[i].sample, selection.decisions[i].reward, texts[i])),
    distill: selection.selected.map((i) => distillRecord(prompt, judged[i], passRate, ctx, texts[i])),
    samples: judged.map((j, i) => sampleRecord(prompt, j, selection.decisions[i], selected.has(i), passRate, texts[i])),
    prefs: selection.prefs.map(([c, r]) => prefRecord(prompt, judged[c], judged[r], [selection.decisions[c].reward, selection.decisions[r].reward], [texts[c], texts[r]])),
  };
}
