import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkReadability } from '../../src/judges/readability/index.ts';

const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/datasets');
const skip = existsSync(shared) ? false : `../shared/datasets not found at ${shared}`;
const jsonl = (f: string) => readFileSync(path.join(shared, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
/** Sky-T1 markers mapped to R1 tags, as the datasets README says. */
const toR1 = (t: string) => t.replace('<|begin_of_thought|>', '<think>').replace('<|end_of_thought|>', '</think>').replace(/<\|(begin|end)_of_solution\|>/g, '');

test('Sky-T1: real truncations and loops are found (README: AMC23 16 truncated / 15 loops, AIME24 22 / 21)', { skip }, () => {
  for (const [set, truncatedReadme, loopsReadme] of [['amc23', 16, 15], ['aime24', 22, 21]] as const) {
    const rows = jsonl(`skyt1_math_correct5k_14b_${set}_outputs.jsonl`);
    const confusion = { truncTP: 0, truncFP: 0, truncFN: 0, loopsFound: 0, loopsOnClosed: 0, other: {} as Record<string, number> };
    for (const r of rows) {
      const raw = r.code[0] as string;
      const open = !raw.includes('<|end_of_thought|>');
      const kinds = checkReadability({ response: toR1(raw), language: 'en', domain: 'math' }).defects.map((d) => d.kind);
      const trunc = kinds.includes('truncated');
      if (trunc && open) confusion.truncTP++;
      else if (trunc) confusion.truncFP++;
      else if (open) confusion.truncFN++;
      if (kinds.includes('repetition-loop')) open ? confusion.loopsFound++ : confusion.loopsOnClosed++;
      for (const k of kinds) if (k !== 'truncated' && k !== 'repetition-loop') confusion.other[k] = (confusion.other[k] ?? 0) + 1;
    }
    console.log(`# sky-t1 ${set}: ${JSON.stringify(confusion)} (README: ${truncatedReadme} truncated, ${loopsReadme} loops)`);
    assert.equal(confusion.truncTP, truncatedReadme);
    assert.equal(confusion.truncFN, 0);
    assert.equal(confusion.loopsOnClosed, 0, 'no loop reported on a response that finished its thought');
    // Every README loop is found; the detector may also flag a truncated response whose loop is not at the very tail.
    assert.ok(confusion.loopsFound >= loopsReadme && confusion.loopsFound <= truncatedReadme, `${confusion.loopsFound} loops`);
  }
});

test('R1-Distill: unclosed and length-truncated responses are truncated; finished ones are mostly clean', { skip }, () => {
  const rows = jsonl('r1_distill_qwen32b_math_rule_false_gpt_labeled.jsonl');
  let unclosedMissed = 0;
  let lengthMissed = 0;
  const onClosed: Record<string, number> = {};
  let closed = 0;
  for (const r of rows) {
    const o = r.ori_rollout_info;
    // Sent as a raw completion after the R1-Zero template: the response starts inside the reasoning.
    const kinds = checkReadability({ response: o.code, finishReason: o.finish_reason, language: 'en', domain: 'math' }, { prefilledThink: true }).defects.map((d) => d.kind);
    if (!o.code.includes('</think>') && !kinds.includes('truncated')) unclosedMissed++;
    if (o.finish_reason === 'length' && !kinds.includes('truncated')) lengthMissed++;
    if (o.code.includes('</think>')) {
      closed++;
      for (const k of kinds) onClosed[k] = (onClosed[k] ?? 0) + 1;
    }
  }
  console.log(`# r1-distill: ${rows.length} rows, ${closed} closed; defects on closed ones: ${JSON.stringify(onClosed)}`);
  assert.equal(unclosedMissed, 0);
  assert.equal(lengthMissed, 0);
  const flagged = Object.values(onClosed).reduce((a, b) => a + b, 0);
  assert.ok(flagged / closed < 0.02, `${flagged} defects on ${closed} finished responses`);
  assert.equal(onClosed['language-mixing'] ?? 0, 0, 'English math reasoning with formulas is not mixing');
});
