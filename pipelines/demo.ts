/**
 * The embedded default, end to end on a fresh machine: the bundled prompts → the bundled tiny reasoning model
 * (in-process, onnxruntime) → k = 8 samples a prompt → format and answer judges → sft/, distill/, samples/,
 * prefs/ shards and a report.
 *
 *   npm run demo        (= distillery run pipelines/demo.ts --out out/demo)
 */
import { definePipeline, exactAnswerJudge, formatJudge, jsonl, keepAccepted, mathJudge, onlyDomains, onnx } from 'distillery';

export default definePipeline({
  name: 'demo',
  // 48 arithmetic / word problems (domain math) and 16 short non-reasoning tasks (domain general).
  sources: [
    jsonl(new URL('../datasets/tiny-r1-mix/prompts.jsonl', import.meta.url), {
      name: 'tiny-r1-mix',
      mapping: { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain', meta: ['task'] },
    }),
  ],
  // The bundled model: its chat template pre-fills "<think>\n", as R1's does.
  backend: onnx(),
  generation: { k: 8, temperature: 0.8, topP: 1, maxTokens: 200, seed: 0 },
  // Rule judges, in order: the R1 output format, then the final answer against the reference: math
  // equivalence for the arithmetic, exact match for the word tasks.
  judges: [
    formatJudge({ prefilledThink: true }),
    onlyDomains(['math'], mathJudge({ workers: 1 })),
    onlyDomains(['general'], exactAnswerJudge({ name: 'answer' })),
  ],
  // Keep the best accepted sample of each prompt; pair one accepted with one rejected answer for prefs/.
  selection: keepAccepted({ maxPerPrompt: 1, prefer: 'shortest', prefsPerPrompt: 1 }),
});
