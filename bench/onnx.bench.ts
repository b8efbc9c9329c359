/**
 * ONNX sampler throughput on the bundled model: continuous batching against the static batches it replaced, in
 * one run, on answers whose lengths vary 10× as R1's do.
 *
 * Each sample gets a target length drawn log-uniformly from [min, 10·min] tokens (seeded, the same in every run):
 * EOS is held off until it (vLLM's min_tokens) and the sample stops there (max_tokens), as vLLM's benchmarks fix
 * output lengths from a dataset. Both schedulers get the same prompts, keys and lengths, 16 prompts × k = 8 a call:
 *   static      one call at a time; its 128 rows prefilled together, then decoded until the last one ends
 *               (finished rows leave the batch when a quarter of it is done);
 *   continuous  the sampler's slots (default 64), two calls in flight (as the engine runs the backend); a
 *               finished row's slot takes a waiting sample at the next step.
 * The rounds alternate static and continuous so both see the same machine load. Prints completion tokens per second of
 * wall clock and per CPU-second of this process (the `continuous/static: N.NN×` line: on a machine shared with other
 * work the wall clock mostly measures the others), slot occupancy and where the continuous run spent its time, and
 * whether both produced the same tokens.
 * `--transformers` adds @huggingface/transformers `generate` on the same ONNX file (same rows, natural lengths).
 *
 *   npm run bench:onnx [-- --prompts 64 --k 8 --threads 1 --min-tokens 16 --spread 10 --batch 16 --rounds 2 --slots 64]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { GenerationConfig } from '../schemas/generation.ts';
import { BUNDLED_MODEL } from '../src/models/onnx/index.ts';
import { DEFAULT_SLOTS, OnnxSampler } from '../src/models/onnx/onnx-sampler.ts';
import { SampleRng } from '../src/models/onnx/rng.ts';
import type { RowRequest, RowResult } from '../src/models/onnx/sequence.ts';

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '64' },
    k: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
    'min-tokens': { type: 'string', default: '16' },
    spread: { type: 'string', default: '10' },
    batch: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
    slots: { type: 'string' },
    'lane-rows': { type: 'string' },
    transformers: { type: 'boolean', default: false },
  },
});
const N = Number(values.prompts);
const K = Number(values.k);
const THREADS = Number(values.threads);
const BATCH = Number(values.batch);
const ROUNDS = Number(values.rounds);
const MIN = Number(values['min-tokens']);
const MAX = Math.round(MIN * Number(values.spread));
const config = GenerationConfig.parse({ k: K, temperature: 0.8, maxTokens: MAX });

const SLOTS = Number(values.slots ?? DEFAULT_SLOTS);
const LANE_ROWS = values['lane-rows'] === undefined ? undefined : Number(values['lane-rows']);
const sampler = await OnnxSampler.load(BUNDLED_MODEL, { threads: THREADS, slots: SLOTS, laneRows: LANE_ROWS });
const data = readFileSync(path.resolve(import.meta.dirname, '../datasets/tiny-r1-mix/prompts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const messages = Array.from({ length: N }, (_, i) => [{ role: 'user' as const, content: data[i % data.length].prompt as string }]);
const promptIds = messages.map((m) => sampler.tokenizer.encodePrompt(sampler.tokenizer.render(m)));
// Target lengths, log-uniform over [MIN, MAX]: R1's answers spread over an order of magnitude.
const lengthRng = new SampleRng('bench:onnx lengths');
const calls = Array.from({ length: Math.ceil(N / BATCH) }, (_, c) => {
  const prompts = promptIds.slice(c * BATCH, (c + 1) * BATCH);
  const rows: RowRequest[] = prompts.flatMap((_, p) =>
    Array.from({ length: K }, (_, i) => {
      const length = Math.round(MIN * (MAX / MIN) ** lengthRng.next());
      return { prompt: p, key: `${c * BATCH + p}#${i}`, minTokens: length, maxTokens: length };
    }),
  );
  return { prompts, rows };
});
const targetTokens = calls.reduce((n, c) => n + c.rows.reduce((m, r) => m + r.maxTokens!, 0), 0);
console.log(
  `bundled model, ${N} prompts × k=${K}, T=${config.temperature}, answer lengths ${MIN}–${MAX} tokens (log-uniform, ${targetTokens} in all), ` +
    `${BATCH} prompts a call: ${BATCH * K} rows a static batch, ${SLOTS} continuous slots; ${THREADS} onnxruntime thread(s), ${ROUNDS} round(s)`,
);

const tokens = (out: RowResult[][]) => out.flat().reduce((n, o) => n + o.completionTokens, 0);
// Wall time and this process's CPU time (user + system): on a machine shared with other work the wall clock
// mostly measures the others' load; with one onnxruntime thread the CPU time is what the run would take alone.
async function timed(name: string, run: () => Promise<RowResult[][]>) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = await run();
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const cpu = (c.user + c.system) / 1e6;
  const n = tokens(out);
  console.log(`  ${name.padEnd(12)} ${String(n).padStart(7)} tokens  wall ${wall.toFixed(1).padStart(6)} s ${(n / wall).toFixed(0).padStart(6)} tok/s  cpu ${cpu.toFixed(1).padStart(6)} s ${(n / cpu).toFixed(0).padStart(6)} tok/cpu-s`);
  return { out, n, wall, cpu };
}
const runStatic = async () => {
  const out: RowResult[][] = [];
  for (const c of calls) out.push(await sampler.generateRowsStatic(c.prompts, c.rows, config));
  return out;
};
const runContinuous = () => {
  const inFlight = pLimit(2);
  return Promise.all(calls.map((c) => inFlight(() => sampler.generateRows(c.prompts, c.rows, config))));
};

const total = { static: { n: 0, wall: 0, cpu: 0 }, continuous: { n: 0, wall: 0, cpu: 0 } };
let same = true;
for (let round = 1; round <= ROUNDS; round++) {
  console.log(`round ${round}`);
  const before = { ...sampler.batchStats };
  const a = await timed('static', runStatic);
  const b = await timed('continuous', runContinuous);
  const busy = sampler.batchStats.busySlotSteps - before.busySlotSteps;
  const all = sampler.batchStats.slotSteps - before.slotSteps;
  const st = sampler.batchStats;
  const ms = (k: 'decodeMs' | 'prefillMs' | 'relayoutMs' | 'pickMs') => `${((st[k] - before[k]) / 1000).toFixed(1)} s`;
  console.log(
    `  continuous: slot occupancy ${((100 * busy) / all).toFixed(1)}% over ${st.steps - before.steps} steps (${st.decodeRuns - before.decodeRuns} model runs, lanes of ${sampler.laneRows} rows); decode ${ms('decodeMs')}, prefill ${ms('prefillMs')} ` +
      `(${st.prefills - before.prefills}), KV re-layout ${ms('relayoutMs')} (${st.inPlaceJoins - before.inPlaceJoins} in place, ${st.rebuilds - before.rebuilds} rebuilds), picking tokens ${ms('pickMs')}`,
  );
  same &&= JSON.stringify(a.out.flat().map((o) => o.tokenIds)) === JSON.stringify(b.out.flat().map((o) => o.tokenIds));
  for (const [k, x] of [['static', a], ['continuous', b]] as const) {
    total[k].n += x.n;
    total[k].wall += x.wall;
    total[k].cpu += x.cpu;
  }
}
await sampler.close();
const rate = (x: { n: number; wall: number; cpu: number }, by: 'wall' | 'cpu') => x.n / x[by];
console.log(
  `static ${rate(total.static, 'cpu').toFixed(0)} tok/cpu-s (${rate(total.static, 'wall').toFixed(0)} tok/s wall), ` +
    `continuous ${rate(total.continuous, 'cpu').toFixed(0)} tok/cpu-s (${rate(total.continuous, 'wall').toFixed(0)} tok/s wall); same tokens from both: ${same ? 'yes' : 'NO'}`,
);
console.log(`wall clock: continuous/static ${(rate(total.continuous, 'wall') / rate(total.static, 'wall')).toFixed(2)}×`);
console.log(`continuous/static: ${(rate(total.continuous, 'cpu') / rate(total.static, 'cpu')).toFixed(2)}×`);

if (values.transformers) {
  // The earlier reference: transformers.js generate on the same ONNX file, each call's rows as one batch, lengths as
  // the model ends them (it has no per-row lengths); compared with our continuous batch on the same natural lengths.
  const { AutoModelForCausalLM, AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.localModelPath = path.dirname(BUNDLED_MODEL) + '/';
  const modelId = path.basename(BUNDLED_MODEL);
  const tokenizer = await AutoTokenizer.from_pretrained(modelId);
  tokenizer.padding_side = 'left';
  const model = await AutoModelForCausalLM.from_pretrained(modelId, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: THREADS, interOpNumThreads: 1 } });
  const eos = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'config.json'), 'utf8')).eos_token_id as number;
  const natural = GenerationConfig.parse({ ...config, maxTokens: 160 });
  const ours = await OnnxSampler.load(BUNDLED_MODEL, { threads: THREADS, slots: BATCH * K });
  const t0 = performance.now();
  const inFlight = pLimit(2);
  const oursOut = await Promise.all(calls.map((c) => inFlight(() => ours.generateRows(c.prompts, c.rows.map((r) => ({ prompt: r.prompt, key: r.key })), natural))));
  const oursRate = tokens(oursOut) / ((performance.now() - t0) / 1000);
  await ours.close();
  let n = 0;
  const t1 = performance.now();
  for (let c = 0; c < calls.length; c++) {
    const texts = messages.slice(c * BATCH, (c + 1) * BATCH).flatMap((m) => Array(K).fill(tokenizer.apply_chat_template(m, { tokenize: false, add_generation_prompt: true }) as string));
    const inputs = tokenizer(texts, { padding: true, add_special_tokens: false });
    const width = inputs.input_ids.dims[1];
    const out = (await model.generate({ ...inputs, do_sample: true, temperature: natural.temperature, top_k: 0, max_new_tokens: natural.maxTokens })) as { dims: number[]; data: BigInt64Array };
    const [b, total] = out.dims;
    for (let r = 0; r < b; r++) {
      for (let j = width; j < total; j++) {
        n++;
        if (Number(out.data[r * total + j]) === eos) break;
      }
    }
  }
  const theirs = n / ((performance.now() - t1) / 1000);
  console.log(`natural lengths: continuous ${oursRate.toFixed(0)} tok/s, transformers.js generate ${theirs.toFixed(0)} tok/s; continuous/transformers.js: ${(oursRate / theirs).toFixed(2)}×`);
}
