/**
 * ONNX sampler throughput on the bundled model: 64 prompts × k=8 at temperature 0.8, in one run,
 *   A. our sampler, k samples sharing one prefill (the prompt's KV cache copied k times),
 *   B. our sampler, the prompt repeated k times (k prefills),
 *   C. @huggingface/transformers `generate` on the same ONNX file, thread count and batch shape.
 * Prints completion tokens/s of each and the ratios A/C, B/C, A/B.
 *
 *   npm run bench:onnx [-- --prompts 64 --k 8 --threads 1 --max-tokens 160 --batch 16]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GenerationConfig } from '../schemas/generation.ts';
import { BUNDLED_MODEL, OnnxSampler } from '../src/models/onnx/index.ts';
import type { SampleRequest } from '../src/models/sampler.ts';

const { values } = parseArgs({
  options: {
    prompts: { type: 'string', default: '64' },
    k: { type: 'string', default: '8' },
    threads: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '160' },
    batch: { type: 'string', default: '16' },
  },
});
const N = Number(values.prompts);
const K = Number(values.k);
const THREADS = Number(values.threads);
const BATCH = Number(values.batch);
const config = GenerationConfig.parse({ k: K, temperature: 0.8, maxTokens: Number(values['max-tokens']) });

const rows = readFileSync(path.resolve(import.meta.dirname, '../datasets/tiny-r1-mix/prompts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const prompts = Array.from({ length: N }, (_, i) => {
  const r = rows[i % rows.length];
  return { id: `${r.id}-${i}`, messages: [{ role: 'user' as const, content: r.prompt }], reference: r.reference, domain: r.domain, source: 'bench', meta: {} };
});
const chunks = <T>(xs: T[], n: number) => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, (i + 1) * n));

async function timed(name: string, run: () => Promise<number>) {
  const t0 = performance.now();
  const tokens = await run();
  const seconds = (performance.now() - t0) / 1000;
  const rate = tokens / seconds;
  console.log(`${name.padEnd(44)} ${String(tokens).padStart(7)} tokens ${seconds.toFixed(1).padStart(7)} s ${rate.toFixed(0).padStart(8)} tok/s`);
  return rate;
}

const sampler = await OnnxSampler.load(BUNDLED_MODEL, { threads: THREADS });
console.log(`bundled model, ${N} prompts × k=${K}, T=${config.temperature}, max ${config.maxTokens} tokens, ${BATCH} prompts a batch, ${THREADS} thread(s)`);

const shared = await timed('A. shared prefill (KV expanded k times)', async () => {
  let tokens = 0;
  for (const batch of chunks(prompts, BATCH)) {
    const requests: SampleRequest[] = batch.map((p) => ({ prompt: p, indices: [...Array(K).keys()], keys: [...Array(K).keys()].map((i) => `${p.id}#${i}`) }));
    for (const s of await sampler.generate(requests, config)) tokens += s.completionTokens;
  }
  return tokens;
});

const repeated = await timed('B. prompt repeated k times (k prefills)', async () => {
  let tokens = 0;
  for (const batch of chunks(prompts, BATCH)) {
    const ids = batch.flatMap((p) => Array(K).fill(sampler.tokenizer.encodePrompt(sampler.tokenizer.render(p.messages))));
    const out = await sampler.generateRows(ids, ids.map((_, i) => ({ prompt: i, key: `${batch[Math.floor(i / K)].id}#${i % K}` })), config);
    for (const o of out) tokens += o.completionTokens;
  }
  return tokens;
});
await sampler.close();

const { AutoModelForCausalLM, AutoTokenizer, env } = await import('@huggingface/transformers');
env.allowRemoteModels = false;
env.localModelPath = path.dirname(BUNDLED_MODEL) + '/';
const modelId = path.basename(BUNDLED_MODEL);
const tokenizer = await AutoTokenizer.from_pretrained(modelId);
tokenizer.padding_side = 'left';
const model = await AutoModelForCausalLM.from_pretrained(modelId, { dtype: 'fp32', device: 'cpu', session_options: { intraOpNumThreads: THREADS, interOpNumThreads: 1 } });
const eos = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'config.json'), 'utf8')).eos_token_id as number;

const reference = await timed('C. transformers.js generate (prompt × k rows)', async () => {
  let tokens = 0;
  for (const batch of chunks(prompts, BATCH)) {
    const texts = batch.flatMap((p) => Array(K).fill(tokenizer.apply_chat_template(p.messages, { tokenize: false, add_generation_prompt: true }) as string));
    const inputs = tokenizer(texts, { padding: true, add_special_tokens: false });
    const width = inputs.input_ids.dims[1];
    const out = (await model.generate({ ...inputs, do_sample: true, temperature: config.temperature, top_k: 0, max_new_tokens: config.maxTokens })) as { dims: number[]; data: BigInt64Array };
    const [b, total] = out.dims;
    for (let r = 0; r < b; r++) {
      for (let j = width; j < total; j++) {
        tokens++;
        if (Number(out.data[r * total + j]) === eos) break;
      }
    }
  }
  return tokens;
});

console.log(`ratio A/C (shared prefill vs transformers.js): ${(shared / reference).toFixed(2)}x`);
console.log(`ratio B/C (repeated prompt vs transformers.js): ${(repeated / reference).toFixed(2)}x`);
console.log(`ratio A/B (shared prefill vs repeated prompt): ${(shared / repeated).toFixed(2)}x`);
