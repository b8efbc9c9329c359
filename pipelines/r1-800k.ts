/**
 * The R1 800k build, the job to schedule every night: reasoning and non-reasoning prompts mixed to targets —
 * 600k reasoning + 200k non-reasoning by default (R1_MIX splits them per domain), each domain stopping at its
 * quota. Judges are routed by domain (reasoning judges on reasoning domains, general judges on the others).
 *
 *   DISTILLERY_EVALS=../shared/datasets/math500_test.jsonl,../shared/datasets/gsm8k_test.jsonl \
 *   distillery run pipelines/r1-800k.ts --out out/r1-800k-today --reuse out/r1-800k-yesterday
 */
import { definePipeline, onnx } from 'distillery';
import { examplesWanted, generalJudges, quotasFor, r1Selection, r1Sources, reasoningJudges } from './r1-recipe.ts';

// One judging model for both judge sets (the bundled one by default), opened once.
const judgeModel = onnx();
const reasoning = reasoningJudges(judgeModel);
// The general judges' format/readability share names with the reasoning ones: they are routed by domain, so
// give the general copies their own names.
const general = generalJudges(judgeModel).map((j) => (['format', 'readability'].includes(j.name) ? { ...j, name: `${j.name}-general`, describe: () => ({ ...j.describe(), name: `${j.name}-general` }) } : j));
const judges = [...reasoning, ...general];

export default definePipeline({
  name: 'r1-800k',
  sources: r1Sources(),
  backend: onnx(),
  generation: { k: 4, temperature: 0.6, topP: 0.95, maxTokens: 256, seed: 0 },
  target: { accepted: 1, budget: 8, round: 4 },
  quotas: quotasFor(examplesWanted()),
  judges,
  selection: r1Selection(),
});
