/**
 * The pieces the R1 pipelines share: their parameters, prompt sources with near-dedupe and decontamination, the
 * judges of the reasoning and general data, the acceptance rule and the data mix. Nightly jobs set the parameters
 * on the command line (all optional; the defaults run on a fresh machine with the bundled model and prompts):
 *
 *   distillery run pipelines/r1-800k.ts --out DIR --set prompts=a.jsonl,b.parquet --set evals=math500.jsonl \
 *     --set examples=800000 --set judgeBaseUrl=http://judge:8000/v1 --set judgeModel=Qwen/Qwen2.5-72B-Instruct
 *
 * `distillery run pipelines/r1-800k.ts --help` lists them. prompts, evals and examples also read the environment
 * variables DISTILLERY_PROMPTS, DISTILLERY_EVALS and DISTILLERY_EXAMPLES when not set with --set.
 */
import { codeJudge, decontaminate, defineParameters, openai, z, formatJudge, generativeJudge, jsonl, keepAccepted, mathJudge, nearDedupe, onlyDomains, onnx, parquet, readabilityJudge, type Backend, type Judge, type Source, type Verdict } from 'distillery';

export const REASONING_DOMAINS = ['math', 'code', 'logic', 'science'] as const;
export const GENERAL_DOMAINS = ['general', 'writing', 'qa', 'translation', 'roleplay'] as const;

/** R1's second SFT round: ~600k reasoning + ~200k non-reasoning samples, split here per domain. */
export const R1_MIX: Record<string, number> = {
  math: 0.45, code: 0.2, logic: 0.05, science: 0.05, // 75% reasoning
  general: 0.1, writing: 0.05, qa: 0.05, translation: 0.025, roleplay: 0.025, // 25% non-reasoning
};

/** Per-domain quotas of selected examples for `total` examples (at least 1 for each domain). */
export function quotasFor(total: number, mix: Record<string, number> = R1_MIX): Record<string, number> {
  return Object.fromEntries(Object.entries(mix).map(([d, share]) => [d, Math.max(1, Math.round(total * share))]));
}

/** The parameters of the R1 pipelines (see the top of this file). */
export function r1Parameters() {
  return defineParameters(
    {
      prompts: z.array(z.string().min(1)).default([]).describe('JSONL/Parquet prompt files, comma-separated; none: the bundled datasets/tiny-r1-mix'),
      evals: z.array(z.string().min(1)).default([]).describe('evaluation files to decontaminate against, comma-separated (e.g. MATH-500, GSM8K test)'),
      examples: z.number().int().min(1).default(800_000).describe('total examples wanted: scales every domain quota'),
      judgeBaseUrl: z.string().url().optional().describe('OpenAI-compatible endpoint of the generative judges (default: the bundled ONNX model); not the teacher'),
      judgeModel: z.string().min(1).optional().describe('the model served at judgeBaseUrl'),
      judgeApiKeyEnv: z.string().min(1).optional().describe('environment variable holding the judge endpoint\'s API key'),
    },
    { env: { prompts: 'DISTILLERY_PROMPTS', evals: 'DISTILLERY_EVALS', examples: 'DISTILLERY_EXAMPLES' } },
  );
}
export type R1Parameters = ReturnType<typeof r1Parameters>;

/** The generative judges' model: an OpenAI-compatible endpoint when judgeBaseUrl is set, else the bundled model. */
export function judgeBackend(params: R1Parameters): Backend {
  if (params.judgeBaseUrl === undefined) {
    if (params.judgeModel !== undefined) throw new Error('judgeModel goes with judgeBaseUrl: --set judgeBaseUrl=http://host:8000/v1');
    return onnx();
  }
  if (params.judgeModel === undefined) throw new Error('judgeBaseUrl needs judgeModel (the model the endpoint serves): --set judgeModel=NAME');
  return openai({ baseUrl: params.judgeBaseUrl, model: params.judgeModel, ...(params.judgeApiKeyEnv ? { apiKeyEnv: params.judgeApiKeyEnv } : {}), concurrency: 64 });
}

/** Prompt sources: the given files (or the bundled mix), near-deduplicated, decontaminated when evals are given. */
export function r1Sources(params: R1Parameters): Source[] {
  const files = params.prompts;
  const mapping = { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain' };
  const inputs: Source[] = files.length
    ? files.map((f) => (f.endsWith('.parquet') ? parquet(f) : jsonl(f)))
    : [jsonl(new URL('../datasets/tiny-r1-mix/prompts.jsonl', import.meta.url), { name: 'tiny-r1-mix', mapping })];
  const deduped = nearDedupe(inputs, { threshold: 0.8 });
  const evals = params.evals;
  return [evals.length ? decontaminate(deduped, { evals, ngram: 8 }) : deduped];
}


/** Reasoning data: R1 format, rule judges per domain, the generative judge where the rule failed, readability. */
export function reasoningJudges(judgeModel: Backend = onnx()): Judge[] {
  const reasoning = [...REASONING_DOMAINS];
  return [
    onlyDomains(reasoning, formatJudge({ prefilledThink: true })),
    onlyDomains(['math', 'logic', 'science'], mathJudge()),
    onlyDomains(['code'], codeJudge()),
    onlyDomains(['math', 'logic', 'science'], generativeJudge({ sampler: judgeModel, mode: 'correctness', when: 'rule-failed', ruleJudge: 'math' })),
    onlyDomains(reasoning, readabilityJudge()),
  ];
}

/** Non-reasoning data: a short CoT in R1 format, helpfulness of the summary, harmlessness of the whole. */
export function generalJudges(judgeModel: Backend = onnx()): Judge[] {
  const general = [...GENERAL_DOMAINS];
  return [
    onlyDomains(general, formatJudge({ prefilledThink: true })),
    onlyDomains(general, generativeJudge({ sampler: judgeModel, mode: 'helpfulness', name: 'helpfulness' })),
    onlyDomains(general, generativeJudge({ sampler: judgeModel, mode: 'harmlessness', name: 'harmlessness' })),
    onlyDomains(general, readabilityJudge()),
  ];
}

const RULE_JUDGES = new Set(['math', 'code']);

/**
 * R1's acceptance: every quality verdict (format, readability, helpfulness, harmlessness) passes, and the answer
 * is right — by the rule judge, or, where the rule failed, by the generative judge (its false negatives).
 */
export function r1Accept(verdicts: readonly Verdict[]): boolean {
  if (verdicts.length === 0) return false;
  const rule = verdicts.find((v) => RULE_JUDGES.has(v.judge));
  const fallback = verdicts.find((v) => v.judge === 'generative');
  const quality = verdicts.filter((v) => !RULE_JUDGES.has(v.judge) && v.judge !== 'generative');
  if (!quality.every((v) => v.verdict === 'pass')) return false;
  if (!rule) return true;
  return rule.verdict === 'pass' || fallback?.verdict === 'pass';
}

/** Rule-vs-generative disagreement, recorded in samples/ (never hidden). */
export function r1Disagreement(verdicts: readonly Verdict[]): string | null {
  const rule = verdicts.find((v) => RULE_JUDGES.has(v.judge));
  const fallback = verdicts.find((v) => v.judge === 'generative');
  if (!rule || !fallback || rule.verdict === fallback.verdict) return null;
  return `${rule.judge}:${rule.verdict}/generative:${fallback.verdict}`;
}

export const r1Selection = () =>
  keepAccepted({ maxPerPrompt: 1, prefer: 'shortest', prefsPerPrompt: 1, accept: r1Accept, disagreement: r1Disagreement, id: 'r1Accept+r1Disagreement' });

export const examplesWanted = (params: R1Parameters): number => params.examples;
