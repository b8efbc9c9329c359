/**
 * R1 reasoning data (math, code, logic, science): prompts near-deduplicated and decontaminated → the teacher
 * samples in rounds until one answer is accepted (at most 8 a prompt) → R1 format, the rule judge of the domain,
 * the generative judge where the rule failed, readability and language consistency → the shortest accepted
 * answer a prompt.
 *
 *   distillery run pipelines/r1-reasoning.ts --out out/r1-reasoning
 */
import { definePipeline, onnx } from 'distillery';
import { examplesWanted, judgeBackend, quotasFor, r1Parameters, r1Selection, r1Sources, REASONING_DOMAINS, reasoningJudges } from './r1-recipe.ts';

const params = r1Parameters();
const judges = reasoningJudges(judgeBackend(params));
const total = examplesWanted(params);
const reasoningShare = Object.fromEntries(REASONING_DOMAINS.map((d) => [d, 1 / REASONING_DOMAINS.length]));

export default definePipeline({
  name: 'r1-reasoning',
  sources: r1Sources(params),
  backend: onnx(),
  generation: { k: 4, temperature: 0.6, topP: 0.95, maxTokens: 256, seed: 0 },
  target: { accepted: 1, budget: 8, round: 4 },
  quotas: quotasFor(Math.round(total * 0.75), { ...reasoningShare, math: 0.6, code: 0.25, logic: 0.075, science: 0.075 }),
  judges,
  selection: r1Selection(),
});
