/**
 * Engine bench: N prompts × 4 replayed R1-like samples through the format and exact-answer judges and the real
 * Parquet sinks, against a reference measured in the same run: the same recordings read and the same sample rows
 * written through the same store with no engine (no sources, judges, selection or extra corpora).
 * Prints samples/s, the ratio, and RSS sampled over time (to show it stays flat).
 *   npm run bench:engine               (200k prompts)
 *   BENCH_PROMPTS=20000 npm run bench:engine
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { definePipeline } from '../src/pipeline/define.ts';
import { runPipeline } from '../src/pipeline/engine.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { replay } from '../src/models/replay/index.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { formatJudge } from '../src/judges/format.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { byteLines } from '../src/sources/jsonl-lines.ts';
import { promptRows } from '../src/select/rows.ts';
import type { JudgedSample } from '../src/select/policy.ts';
import type { ChunkRows } from '../src/sinks/build-store.ts';
import { GenerationConfig } from '../schemas/generation.ts';
import { OutputConfig } from '../schemas/pipeline.ts';
import { Prompt } from '../schemas/prompt.ts';
import { verdict } from '../schemas/verdict.ts';

const N = Number(process.env.BENCH_PROMPTS ?? 200_000);
const K = 4;
const dir = mkdtempSync(path.join(tmpdir(), 'distillery-bench-engine-'));

// Deterministic pseudo-random text, so every run measures the same bytes.
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
const STEPS = [
  'First, let me restate the problem in my own words.',
  'We need the total after combining both quantities.',
  'Let me compute {a} + {b} carefully: {a} plus {b} is {c}.',
  'Wait, I should double-check that step.',
  'Multiplying {a} by 3 gives {d}, but that is not what we need here.',
  'Hmm, maybe there is a simpler way to see it.',
  'So the intermediate value is {c}, which seems consistent.',
  'Let me verify: {c} minus {b} equals {a}, so the sum is right.',
  'Alternatively, consider the units: everything is counted once.',
];
function r1Text(i: number, right: boolean): string {
  const a = i % 997;
  const b = (i * 7) % 89;
  const c = a + b;
  const steps: string[] = [];
  const n = 8 + Math.floor(rand() * 40);
  for (let s = 0; s < n; s++) steps.push(pick(STEPS).replaceAll('{a}', `${a}`).replaceAll('{b}', `${b}`).replaceAll('{c}', `${c}`).replaceAll('{d}', `${3 * a}`));
  return `<think>\n${steps.join(' ')}\n</think>\n\nAdding ${a} and ${b} gives the result. The answer is \\boxed{${right ? c : c + 1}}.`;
}

async function writeLines(file: string, gen: (write: (line: string) => Promise<void>) => Promise<void>) {
  const out = createWriteStream(file);
  await gen(async (line) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  });
  out.end();
  await once(out, 'finish');
}

const rss: { t: number; mb: number; phase: string }[] = [];
let phase = 'setup';
const t0 = performance.now();
const sampler = setInterval(() => rss.push({ t: (performance.now() - t0) / 1000, mb: process.memoryUsage().rss / 2 ** 20, phase }), 250);

const peak = (name: string) => Math.max(...rss.filter((r) => r.phase === name).map((r) => r.mb));
function rssSummary(name: string) {
  const xs = rss.filter((r) => r.phase === name).map((r) => r.mb);
  if (xs.length === 0) return 'no samples';
  const at = (f: number) => xs[Math.min(xs.length - 1, Math.floor(f * xs.length))].toFixed(0);
  return `peak ${Math.max(...xs).toFixed(0)} MB; at 10/25/50/75/95% of the run: ${at(0.1)} / ${at(0.25)} / ${at(0.5)} / ${at(0.75)} / ${at(0.95)} MB`;
}

try {
  console.log(`engine bench: ${N} prompts × ${K} samples, in ${dir}`);
  const prompts = path.join(dir, 'prompts.jsonl');
  const recordings = path.join(dir, 'recordings.jsonl');
  await writeLines(prompts, async (w) => {
    for (let i = 0; i < N; i++) await w(JSON.stringify({ id: `q${i}`, question: `Tom has ${i % 997} apples and buys ${(i * 7) % 89} more. How many now?`, answer: `He has ${i % 997} + ${(i * 7) % 89}.\n#### ${(i % 997) + ((i * 7) % 89)}` }));
  });
  let textBytes = 0;
  await writeLines(recordings, async (w) => {
    for (let i = 0; i < N; i++)
      for (let s = 0; s < K; s++) {
        const text = r1Text(i, rand() < 0.6);
        textBytes += text.length;
        await w(JSON.stringify({ prompt_id: `q${i}`, sample_index: s, text, finish_reason: 'stop', completion_tokens: Math.round(text.length / 4) }));
      }
  });
  console.log(`inputs written: ${(textBytes / 2 ** 20).toFixed(0)} MB of sample text (mean ${(textBytes / N / K).toFixed(0)} chars)`);
  const output = OutputConfig.parse({ shardRows: 50_000, commitEverySeconds: 60 });

  // Reference: read the recordings, shape the same four corpora's rows (no judges: sample 0 kept, one pref pair)
  // and write them through the same store. What remains in the engine's time is the engine.
  phase = 'reference';
  global.gc?.();
  const refStart = performance.now();
  {
    const store = openParquetBuildStore(path.join(dir, 'reference'), output);
    await store.open({ pipeline: 'reference', config: { reference: true }, configHash: 'reference', codeVersion: 'bench', inputs: [] });
    const generation = GenerationConfig.parse({ k: K });
    let chunk: ChunkRows = { sft: [], distill: [], samples: [], prefs: [], quarantine: [] };
    let group: JudgedSample[] = [];
    let n = 0;
    const flushPrompt = () => {
      const id = group[0].sample.promptId;
      const prompt = Prompt.parse({ id, messages: [{ role: 'user', content: `question ${id}` }], reference: '1', source: 'bench', domain: 'math' });
      const rows = promptRows(prompt, group, { decisions: group.map(() => ({ accepted: true, reward: null, disagreement: null })), selected: [0], prefs: [[0, 1]] }, { generation, configHash: 'ref' });
      chunk.sft.push(...rows.sft);
      chunk.distill.push(...rows.distill);
      chunk.samples.push(...rows.samples);
      chunk.prefs.push(...rows.prefs);
      group = [];
    };
    for await (const l of byteLines(recordings)) {
      const r = JSON.parse(l.bytes.toString('utf8'));
      const sample = { key: `${r.prompt_id}#${r.sample_index}@ref`, promptId: r.prompt_id, index: r.sample_index, configHash: 'ref', prefill: '', text: r.text, finishReason: 'stop' as const, promptTokens: 0, completionTokens: r.completion_tokens, model: 'ref', error: null };
      group.push({ sample, verdicts: [verdict('format', 'pass', 'ok'), verdict('exact', 'pass', 'ok')] });
      if (group.length === K) flushPrompt();
      if (chunk.samples.length >= output.shardRows) {
        n += chunk.samples.length;
        await store.commit(chunk, { consumed: n });
        chunk = { sft: [], distill: [], samples: [], prefs: [], quarantine: [] };
      }
    }
    await store.commit(chunk, { consumed: n + chunk.samples.length });
    await store.finish({});
    await store.close();
  }
  const refSeconds = (performance.now() - refStart) / 1000;
  rmSync(path.join(dir, 'reference'), { recursive: true, force: true });

  // The engine: source → replay → format + exact judges → keepAccepted → sft, distill, samples, prefs.
  phase = 'engine';
  global.gc?.();
  const pipeline = definePipeline({
    name: 'bench-engine',
    sources: [jsonl(prompts, { domain: 'math' })],
    backend: replay({ file: recordings, batchSize: 64, concurrency: 2 }),
    generation: { k: K },
    judges: [formatJudge(), exactAnswerJudge()],
    selection: keepAccepted({ maxPerPrompt: 1, prefsPerPrompt: 1 }),
    output,
  });
  let lastLog = 0;
  const report = await runPipeline(pipeline, {
    out: path.join(dir, 'engine'),
    onProgress: (p) => {
      if (p.runSeconds - lastLog >= 15) {
        lastLog = p.runSeconds;
        console.log(`  ${p.prompts} prompts, ${(p.runSamples / p.runSeconds).toFixed(0)} samples/s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
      }
    },
  });
  const engineSeconds = report.run.seconds;
  clearInterval(sampler);

  const refRate = (N * K) / refSeconds;
  const engRate = (N * K) / engineSeconds;
  console.log('');
  console.log(`reference (read recordings, shape + write the same 4 corpora, no engine): ${refSeconds.toFixed(1)} s, ${refRate.toFixed(0)} samples/s; RSS ${rssSummary('reference')}`);
  console.log(`engine (source, replay, format + exact judges, selection, 4 corpora): ${engineSeconds.toFixed(1)} s, ${engRate.toFixed(0)} samples/s; RSS ${rssSummary('engine')}`);
  console.log(`rows: sft ${report.totals.rows.sft}, distill ${report.totals.rows.distill}, samples ${report.totals.rows.samples}, prefs ${report.totals.rows.prefs}; acceptance ${(report.acceptance * 100).toFixed(1)}%`);
  console.log(`ratio engine / reference throughput: ${(engRate / refRate).toFixed(2)}×; peak RSS ratio ${(peak('engine') / peak('reference')).toFixed(2)}×`);
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
