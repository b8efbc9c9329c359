/**
 * The R1 800k build, the job to schedule every night: reasoning and non-reasoning prompts mixed to targets —
 * 600k reasoning + 200k non-reasoning by default (R1_MIX splits them per domain), each domain stopping at its
 * quota. Judges are routed by domain (reasoning judges on reasoning domains, general judges on the others).
 *
 *   distillery run pipelines/r1-800k.ts --out out/r1-800k-today --reuse out/r1-800k-yesterday \
 *     --set evals=../shared/datasets/math500_test.jsonl,../shared/datasets/gsm8k_test.jsonl \
 *     --set judgeBaseUrl=http://judge:8000/v1 --set judgeModel=NAME
 *
 * `distillery run pipelines/r1-800k.ts --help` lists the parameters (r1-recipe.ts).
 */
import { definePipeline, onnx } from 'distillery';
import { examplesWanted, generalJudges, judgeBackend, quotasFor, r1Parameters, r1Selection, r1Sources, reasoningJudges } from './r1-recipe.ts';

const params = r1Parameters();
// One judging model for both judge sets, opened once: the bundled one, or --set judgeBaseUrl=… judgeModel=….
const judgeModel = judgeBackend(params);
const reasoning = reasoningJudges(judgeModel);
// The general judges' format/readability share names with the reasoning ones: they are routed by domain, so
// give the general copies their own names.
const general = generalJudges(judgeModel).map((j) => (['format', 'readability'].includes(j.name) ? { ...j, name: `${j.name}-general`, describe: () => ({ ...j.describe(), name: `${j.name}-general` }) } : j));
const judges = [...reasoning, ...general];

export default definePipeline({
  name: 'r1-800k',
  sources: r1Sources(params),
  backend: onnx(),
  generation: { k: 4, temperature: 0.6, topP: 0.95, maxTokens: 256, seed: 0 },
  target: { accepted: 1, budget: 8, round: 4 },
  quotas: quotasFor(examplesWanted(params)),
  judges,
  selection: r1Selection(),
});
