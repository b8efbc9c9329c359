import pLimit from 'p-limit';
import { GenerationConfig, type GenerationConfigInput } from '../../../schemas/generation.ts';
import { checkOptionKeys, parseOptions } from '../../config/strict-options.ts';
import { Prompt, promptText } from '../../../schemas/prompt.ts';
import { responseOf, type Sample } from '../../../schemas/sample.ts';
import { verdict, type Verdict, type VerdictCategory } from '../../../schemas/verdict.ts';
import type { Backend, GeneratedSample, Sampler, SampleRequest } from '../../models/sampler.ts';
import type { Judge, JudgeContext } from '../judge.ts';
import { splitResponse } from '../../../schemas/response.ts';
import { finalAnswer } from '../../../schemas/response.ts';
import { parseVerdict, type ParsedVerdict } from './parse-verdict.ts';
import { DEFAULT_TEMPLATES, fillTemplate, type GenerativeMode, type JudgeTemplate } from './templates.ts';

/** The category of a `fail` in each mode. */
const FAIL_CATEGORY: Record<GenerativeMode, VerdictCategory> = { correctness: 'wrong_answer', helpfulness: 'low_score', harmlessness: 'harmful' };

export interface GenerativeJudgeOptions {
  /** The judging model: the embedded ONNX model, an OpenAI-compatible server, any Backend. Opened on first use. */
  sampler: Backend;
  mode: GenerativeMode;
  template?: JudgeTemplate;
  /**
   * When to ask the model: always; only where the rule judge failed or erred (to recover its false negatives);
   * only where no rule judge gave a verdict (open-ended tasks). Default: always.
   */
  when?: 'always' | 'rule-failed' | 'no-rule';
  /** Name of the rule judge whose earlier verdict `when` looks at (e.g. 'math'). */
  ruleJudge?: string;
  /** Sampling of the judge's own answers. Default: greedy, 1024 tokens (room for a short `<think>`). */
  generation?: GenerationConfigInput;
  /** Scores (helpfulness/harmlessness) are read on this scale and mapped to [0, 1]. Default [1, 10]. */
  scoreRange?: [number, number];
  /** A score at or above this (in [0, 1]) passes. Default 0.5. */
  passScore?: number;
  /** Verdict name; default 'generative'. */
  name?: string;
}

interface Job {
  at: number;
  text: string;
  extra: Record<string, unknown>;
}

const clip = (s: string, n = 400) => (s.length > n ? s.slice(0, n) + '…' : s);

/**
 * LLM-as-judge through any Sampler, batched. correctness compares only the final answer with the reference;
 * helpfulness rates the summary after `</think>`; harmlessness rates the whole response. An output that cannot
 * be read as a verdict is `error`, never `fail`.
 */
export function generativeJudge(options: GenerativeJudgeOptions): Judge {
  const name = options.name ?? 'generative';
  const mode = options.mode;
  const when = options.when ?? 'always';
  const template = options.template ?? DEFAULT_TEMPLATES[mode];
  checkOptionKeys('generativeJudge', options, ['sampler', 'mode', 'template', 'when', 'ruleJudge', 'generation', 'scoreRange', 'passScore', 'name']);
  const gen = parseOptions('generativeJudge generation', GenerationConfig, { temperature: 0, maxTokens: 1024, ...options.generation, k: 1 });
  const [lo, hi] = options.scoreRange ?? [1, 10];
  const passScore = options.passScore ?? 0.5;
  if (when !== 'always' && !options.ruleJudge) throw new Error(`generativeJudge: when: '${when}' needs ruleJudge (the name of the rule judge, e.g. 'math')`);
  if (!(hi > lo)) throw new Error(`generativeJudge: scoreRange must be [low, high] with high > low, got [${lo}, ${hi}]`);
  let opening: Promise<Sampler> | null = null;
  const sampler = () => (opening ??= options.sampler.open());

  const applies = (previous: readonly Verdict[]): boolean => {
    if (when === 'always') return true;
    const rule = previous.find((v) => v.judge === options.ruleJudge);
    return when === 'rule-failed' ? rule === undefined || rule.verdict !== 'pass' : rule === undefined;
  };

  const build = (prompt: Prompt, sample: Sample): Job | Verdict => {
    const response = responseOf(sample);
    const question = promptText(prompt);
    if (mode === 'correctness') {
      if (prompt.reference === null) return verdict(name, 'error', `prompt ${prompt.id}: no reference answer to compare with (correctness mode)`, { category: 'no_reference' });
      const candidate = finalAnswer(response);
      if (candidate === '') return verdict(name, 'fail', 'no final answer after the reasoning', { category: 'no_answer', score: 0, detail: { mode } });
      return { at: 0, text: fillTemplate(template.user, { reference: prompt.reference, candidate, prompt: question, summary: candidate, response }), extra: { candidate: clip(candidate, 200) } };
    }
    const { answer, thinkClosed } = splitResponse(response);
    if (mode === 'helpfulness' && (!thinkClosed || answer === '')) return verdict(name, 'fail', 'no summary after the reasoning to rate', { category: 'no_summary', score: 0, detail: { mode } });
    return { at: 0, text: fillTemplate(template.user, { prompt: question, summary: answer, response, reference: prompt.reference ?? '', candidate: answer }), extra: {} };
  };

  const decide = (parsed: ParsedVerdict | null, out: GeneratedSample, extra: Record<string, unknown>, model: string): Verdict => {
    const detail = { mode, model, output: clip(out.text), ...extra };
    if (!parsed) return verdict(name, 'error', `judge output unreadable as a verdict${out.finishReason === 'length' ? ' (cut at the token limit)' : ''}: "${clip(out.text.trim(), 120)}"`, { category: 'judge_unreadable', detail });
    let score: number;
    if (parsed.kind === 'binary') score = parsed.value ? 1 : 0;
    else if (parsed.via.endsWith('fraction')) score = parsed.value;
    else score = (parsed.value - lo) / (hi - lo);
    if (parsed.kind === 'score' && mode === 'correctness' && (parsed.value === 0 || parsed.value === 1)) score = parsed.value; // "[Reward Score] = 1"
    if (!(score >= 0 && score <= 1)) return verdict(name, 'error', `judge score ${parsed.value} outside [${lo}, ${hi}]`, { category: 'judge_unreadable', detail });
    const ok = parsed.kind === 'binary' ? parsed.value : score >= passScore;
    const what = { correctness: ok ? 'equivalent to the reference' : 'not equivalent to the reference', helpfulness: `helpfulness ${score.toFixed(2)}`, harmlessness: ok ? 'harmless' : 'harmful' }[mode];
    return verdict(name, ok ? 'pass' : 'fail', `${model} judged ${what} (read via ${parsed.via})`, { category: ok ? 'ok' : FAIL_CATEGORY[mode], score, detail: { ...detail, parsed: parsed.value } });
  };

  return {
    name,
    reads: options.ruleJudge ? [options.ruleJudge] : [],
    describe: () => ({ name, mode, when, ruleJudge: options.ruleJudge ?? null, template, generation: gen, scoreRange: [lo, hi], passScore, backend: options.sampler.describe() }),
    async judge(prompt: Prompt, samples: readonly Sample[], ctx: JudgeContext) {
      const results: (Verdict | null)[] = samples.map(() => null);
      const jobs: Job[] = [];
      samples.forEach((s, i) => {
        if (!applies(ctx.previous[i] ?? [])) return;
        if (s.finishReason === 'error') return void (results[i] = verdict(name, 'error', `no sample to judge: ${s.error ?? 'backend error'}`, { category: 'backend_error' }));
        const built = build(prompt, s);
        if ('verdict' in built) results[i] = built;
        else jobs.push({ ...built, at: i });
      });
      if (jobs.length === 0) return results;
      let live: Sampler;
      try {
        live = await sampler();
      } catch (e) {
        opening = null; // let a later prompt retry opening
        for (const j of jobs) results[j.at] = verdict(name, 'error', `judge backend ${options.sampler.kind} failed to open: ${(e as Error).message}`, { category: 'backend_error' });
        return results;
      }
      const requests: SampleRequest[] = jobs.map((j) => {
        const key = `${samples[j.at].key}/judge:${name}`;
        const messages = [...(template.system ? [{ role: 'system' as const, content: template.system }] : []), { role: 'user' as const, content: j.text }];
        return { prompt: Prompt.parse({ id: key, messages, source: 'generative-judge', domain: prompt.domain }), indices: [0], keys: [key] };
      });
      const size = Math.max(1, options.sampler.batchSize);
      const limit = pLimit(Math.max(1, options.sampler.concurrency));
      const batches: SampleRequest[][] = [];
      for (let i = 0; i < requests.length; i += size) batches.push(requests.slice(i, i + size));
      const outputs = new Map<string, GeneratedSample>();
      await Promise.all(
        batches.map((batch) =>
          limit(async () => {
            try {
              for (const o of await live.generate(batch, gen, ctx.signal)) outputs.set(o.promptId, o);
            } catch (e) {
              for (const r of batch) outputs.set(r.prompt.id, { promptId: r.prompt.id, index: 0, prefill: '', text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, error: (e as Error).message });
            }
          }),
        ),
      );
      jobs.forEach((j, n) => {
        const out = outputs.get(requests[n].prompt.id);
        if (!out || out.finishReason === 'error') {
          results[j.at] = verdict(name, 'error', `judge backend ${live.model}: ${out?.error ?? 'returned no output for this sample'}`, { category: 'backend_error' });
          return;
        }
        results[j.at] = decide(parseVerdict(out.prefill + out.text), out, j.extra, live.model);
      });
      return results;
    },
    async close() {
      if (opening) await (await opening.catch(() => null))?.close();
      opening = null;
    },
  };
}

export { parseVerdict } from './parse-verdict.ts';
export { DEFAULT_TEMPLATES, type JudgeTemplate, type GenerativeMode } from './templates.ts';
