/**
 * R1 non-reasoning data (writing, QA, translation, role play, general): the model first writes a short chain of
 * thought, then answers; the generative judge rates the helpfulness of the summary after </think> and the
 * harmlessness of the whole response; readability as for reasoning data.
 *
 *   distillery run pipelines/r1-general.ts --out out/r1-general
 */
import { definePipeline, onnx } from 'distillery';
import { examplesWanted, GENERAL_DOMAINS, generalJudges, judgeBackend, quotasFor, r1Parameters, r1Selection, r1Sources } from './r1-recipe.ts';

const params = r1Parameters();
const judges = generalJudges(judgeBackend(params));

export default definePipeline({
  name: 'r1-general',
  sources: r1Sources(params),
  backend: onnx(),
  // A short CoT: fewer tokens than reasoning data.
  generation: { k: 2, temperature: 0.6, topP: 0.95, maxTokens: 160, seed: 0 },
  target: { accepted: 1, budget: 4, round: 2 },
  quotas: quotasFor(Math.round(examplesWanted(params) * 0.25), Object.fromEntries(GENERAL_DOMAINS.map((d) => [d, 1 / GENERAL_DOMAINS.length]))),
  judges,
  selection: r1Selection(),
});
