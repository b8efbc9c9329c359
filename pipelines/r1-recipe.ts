/**
 * The pieces the R1 pipelines share: prompt sources with near-dedupe and decontamination, the judges of the
 * reasoning and general data, the acceptance rule and the data mix. Nightly jobs set these through the
 * environment (all optional; the defaults run on a fresh machine with the bundled model and prompts):
 *
 *   DISTILLERY_PROMPTS   comma-separated JSONL/Parquet prompt files (default: datasets/tiny-r1-mix)
 *   DISTILLERY_EVALS     comma-separated evaluation files to decontaminate against (e.g. MATH-500, GSM8K test)
 *   DISTILLERY_EXAMPLES  total examples wanted (default 800000): scales every domain quota
 */
import { codeJudge, decontaminate, formatJudge, generativeJudge, jsonl, keepAccepted, mathJudge, nearDedupe, onlyDomains, onnx, parquet, readabilityJudge, type Backend, type Judge, type Source, type Verdict } from 'distillery';

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

const env = (name: string) => process.env[name]?.trim() || undefined;
const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

/** Prompt sources: the given files (or the bundled mix), near-deduplicated, decontaminated when evals are given. */
export function r1Sources(): Source[] {
  const files = list(env('DISTILLERY_PROMPTS'));
  const mapping = { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain' };
  const inputs: Source[] = files.length
    ? files.map((f) => (f.endsWith('.parquet') ? parquet(f) : jsonl(f)))
    : [jsonl(new URL('../datasets/tiny-r1-mix/prompts.jsonl', import.meta.url), { name: 'tiny-r1-mix', mapping })];
  const deduped = nearDedupe(inputs, { threshold: 0.8 });
  const evals = list(env('DISTILLERY_EVALS'));
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

export function examplesWanted(): number {
  const n = Number(env('DISTILLERY_EXAMPLES') ?? 800_000);
  if (!Number.isInteger(n) || n < 1) throw new Error(`DISTILLERY_EXAMPLES must be a positive integer, got ${env('DISTILLERY_EXAMPLES')}`);
  return n;
}
