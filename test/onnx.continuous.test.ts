// Continuous batching in the ONNX sampler (real onnxruntime, bundled model): the same tokens as the static batches
// it replaced (greedy and sampled), slots refilled as rows finish, concurrent calls sharing the slots, stop reasons
// and token ids on every sample, an abort that leaves other calls running.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import type { Prompt } from '../schemas/prompt.ts';
import { bestSplit, HOST_RUN_COST } from '../src/models/onnx/continuous-batch.ts';
import { BUNDLED_MODEL } from '../src/models/onnx/index.ts';
import { OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';

interface GoldenRow { prompt_ids: number[]; greedy_ids: number[] }
const golden: { max_new_tokens: number; rows: GoldenRow[] } = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'golden.json'), 'utf8'));
const EOS = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'config.json'), 'utf8')).eos_token_id as number;
const greedy = GenerationConfig.parse({ temperature: 0, maxTokens: golden.max_new_tokens });
const sampled = GenerationConfig.parse({ temperature: 0.8, maxTokens: 120 });
const withoutEos = (ids: number[]) => (ids.at(-1) === EOS ? ids.slice(0, -1) : ids);
const prompt = (id: string, content: string): Prompt => ({ id, messages: [{ role: 'user', content }], reference: null, domain: 'math', source: 'test', meta: {} });

// 3 slots for 24 prompts: every slot is refilled many times, prompts of other lengths join, holes are compacted.
let small: OnnxSampler;
before(async () => { small = await OnnxSampler.load(BUNDLED_MODEL, { threads: 1, slots: 3 }); });
after(() => small.close());

test('greedy: through 3 slots, every golden prompt gives the PyTorch ids and the static batch ids', async () => {
  const prompts = golden.rows.map((r) => r.prompt_ids);
  const rows = prompts.map((_, i) => ({ prompt: i, key: `g${i}` }));
  const continuous = await small.generateRows(prompts, rows, greedy);
  const stat = await small.generateRowsStatic(prompts, rows, greedy);
  continuous.forEach((o, i) => {
    assert.deepEqual(withoutEos(o.tokenIds), golden.rows[i].greedy_ids, `golden row ${i}`);
    assert.deepEqual(o, stat[i], `row ${i}: continuous = static`);
  });
  const s = small.batchStats;
  assert.ok(s.inPlaceJoins > 0, 'freed slots were refilled in place');
  assert.ok(s.rebuilds > 0, 'the cache was rebuilt (growth for a longer prompt, compaction or trim)');
  assert.ok(s.busySlotSteps / s.slotSteps > 0.9, `slots stay busy (${s.busySlotSteps}/${s.slotSteps})`);
});

test('sampled: k samples of several prompts give the static batch tokens, whatever the number of slots', async () => {
  const prompts = golden.rows.slice(0, 4).map((r) => r.prompt_ids);
  const rows = prompts.flatMap((_, p) => [0, 1, 2, 3].map((i) => ({ prompt: p, key: `p${p}#${i}` })));
  const stat = await small.generateRowsStatic(prompts, rows, sampled);
  assert.deepEqual(await small.generateRows(prompts, rows, sampled), stat);
  const wide = await OnnxSampler.load(BUNDLED_MODEL, { threads: 1, slots: 64 });
  try {
    assert.deepEqual(await wide.generateRows(prompts, rows, sampled), stat);
    assert.ok(wide.batchStats.decodeRuns >= wide.batchStats.steps, 'every step ran each lane');
  } finally {
    await wide.close();
  }
  assert.ok(new Set(stat.map((o) => o.tokenIds.length)).size > 3, 'rows of different lengths');
});

test('concurrent calls share the slots and each gets its own rows back', async () => {
  const prompts = golden.rows.map((r) => r.prompt_ids);
  const a = prompts.slice(0, 5);
  const b = prompts.slice(5, 11);
  const rowsOf = (ps: number[][], tag: string) => ps.map((_, i) => ({ prompt: i, key: `${tag}${i}` }));
  const [ra, rb] = await Promise.all([small.generateRows(a, rowsOf(a, 'a'), sampled), small.generateRows(b, rowsOf(b, 'b'), sampled)]);
  assert.deepEqual(ra, await small.generateRows(a, rowsOf(a, 'a'), sampled));
  assert.deepEqual(rb, await small.generateRows(b, rowsOf(b, 'b'), sampled));
});

test('each sample keeps its token ids and stop reason: the EOS id, the stop string, or null at the length limit', async () => {
  const p = prompt('p', 'Calculate 64 + 27.');
  const req = [{ prompt: p, indices: [0], keys: ['k'] }];
  const [eos] = await small.generate(req, greedy);
  assert.equal(eos.finishReason, 'stop');
  assert.equal(eos.stopReason, EOS);
  assert.equal(eos.tokenIds!.at(-1), EOS);
  assert.equal(small.tokenizer.decode(withoutEos([...eos.tokenIds!])), eos.text);
  const [cut] = await small.generate(req, { ...greedy, stop: ['</think>', 'never there'] });
  assert.equal(cut.stopReason, '</think>');
  assert.equal(cut.text, eos.text.slice(0, eos.text.indexOf('</think>')));
  assert.ok(small.tokenizer.decode([...cut.tokenIds!]).includes('</think>'), 'the ids include the stop string');
  const [short] = await small.generate(req, { ...greedy, maxTokens: 4 });
  assert.deepEqual([short.finishReason, short.stopReason, short.tokenIds!.length], ['length', null, 4]);
});

test('aborting one call rejects it at once and leaves the other running', async () => {
  const prompts = golden.rows.slice(0, 6).map((r) => r.prompt_ids);
  const rows = prompts.map((_, i) => ({ prompt: i, key: `x${i}` }));
  const ac = new AbortController();
  const doomed = small.generateRows(prompts, rows, sampled, ac.signal);
  const other = small.generateRows(prompts, rows.map((r) => ({ ...r, key: `y${r.prompt}` })), sampled);
  setImmediate(() => ac.abort(new Error('stop now')));
  await assert.rejects(doomed, /stop now/);
  const out = await other;
  assert.equal(out.length, 6);
  assert.ok(out.every((o) => o.tokenIds.length > 0));
});

test('host lanes: the split of rows by length that minimises runs × run cost + rows × columns', () => {
  // Rows of equal length share one lane; a long row stays apart from short ones only when that saves more
  // columns than a run costs; no lane holds more than the cap.
  assert.deepEqual(bestSplit([50, 50, 50, 50], 32), { cost: HOST_RUN_COST + 4 * 50, ends: [4] });
  const far = bestSplit([2000, 20, 20, 20], 32);
  assert.deepEqual(far.ends, [1, 4]);
  assert.equal(far.cost, 2 * HOST_RUN_COST + 2000 + 3 * 20);
  assert.deepEqual(bestSplit([30, 25, 20], 32).ends, [3], 'close lengths: one lane');
  assert.deepEqual(bestSplit(Array(40).fill(10), 32).ends.map((e, i, a) => e - (a[i - 1] ?? 0)).every((n) => n <= 32), true);
});

test('host lanes: prompts of very different lengths decode in separate lanes, with the tokens of the static batch (one cache)', async () => {
  const lanes = await OnnxSampler.load(BUNDLED_MODEL, { threads: 1, slots: 32 });
  try {
    const long = golden.rows.map((r) => r.prompt_ids).sort((a, b) => b.length - a.length)[0];
    const short = golden.rows.map((r) => r.prompt_ids).sort((a, b) => a.length - b.length)[0];
    // A long prompt far longer than the short ones: its columns are not worth the short rows' paying for them.
    const prompts = [[...long, ...long, ...long, ...long, ...long, ...long, ...long, ...long].slice(0, 400), short];
    const rows = [{ prompt: 0, key: 'l' }, ...Array.from({ length: 12 }, (_, i) => ({ prompt: 1, key: `s${i}` }))];
    const config = GenerationConfig.parse({ temperature: 0.8, maxTokens: 6 });
    const out = await lanes.generateRows(prompts, rows, config);
    assert.deepEqual(out, await lanes.generateRowsStatic(prompts, rows, config));
    assert.ok(lanes.batchStats.decodeRuns > lanes.batchStats.steps, `two lanes a step (${lanes.batchStats.decodeRuns} runs, ${lanes.batchStats.steps} steps)`);
  } finally {
    await lanes.close();
  }
});
