import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generativeJudge } from '../../src/judges/generative/index.ts';
import { BUNDLED_MODEL, onnx } from '../../src/models/onnx/index.ts';
import { Prompt } from '../../schemas/prompt.ts';
import type { Sample } from '../../schemas/sample.ts';

const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/datasets');
const file = path.join(shared, 'r1_distill_qwen32b_math_rule_false_gpt_labeled.jsonl');
const skip = !existsSync(file) ? `${file} not found` : !existsSync(BUNDLED_MODEL) ? `bundled model not found at ${BUNDLED_MODEL}` : false;

/**
 * The generative judge (correctness mode, default template, the bundled tiny model) against the GPT-judge labels
 * of R1-Distill-Qwen-32B outputs that the rule verifier scored false (83 label 1 = rule false negatives, 298 label 0).
 * Prints the agreement. The tiny model is weak: the test checks the run is sound (every row judged, verdicts
 * readable), not that the tiny model agrees with GPT.
 */
test('R1-Distill rule false negatives: generative judge vs GPT labels on the bundled model', { skip, timeout: 600_000 }, async () => {
  const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).slice(0, Number(process.env.QUALITY_AGREEMENT_ROWS ?? 64));
  const judge = generativeJudge({ sampler: onnx(), mode: 'correctness', generation: { maxTokens: 256 } });
  const confusion = { tp: 0, fp: 0, tn: 0, fn: 0, error: 0 };
  try {
    for (const r of rows) {
      const o = r.ori_rollout_info;
      const prompt = Prompt.parse({ id: String(r.idx), messages: [{ role: 'user', content: o.question }], reference: String(o.gt), source: 'r1-distill' });
      const sample: Sample = { key: `${r.idx}#0@x`, promptId: String(r.idx), index: 0, configHash: 'x', prefill: '<think>', text: o.code, finishReason: o.finish_reason === 'length' ? 'length' : 'stop', promptTokens: 0, completionTokens: 0, model: 'r1-distill-qwen-32b', error: null };
      const [v] = await judge.judge(prompt, [sample], { previous: [] });
      if (v!.verdict === 'error') confusion.error++;
      else if (v!.verdict === 'pass') r.answer === 1 ? confusion.tp++ : confusion.fp++;
      else r.answer === 1 ? confusion.fn++ : confusion.tn++;
    }
  } finally {
    await judge.close!();
  }
  const decided = rows.length - confusion.error;
  console.log(`# generative vs GPT labels on ${rows.length} rows: ${JSON.stringify(confusion)}; agreement ${((confusion.tp + confusion.tn) / Math.max(1, decided)).toFixed(3)} of decided`);
  assert.equal(confusion.tp + confusion.fp + confusion.tn + confusion.fn + confusion.error, rows.length);
});
