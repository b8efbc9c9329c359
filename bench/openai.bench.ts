/**
 * OpenAI backend throughput and client CPU against a local vLLM-shaped server (own process) with fixed latency,
 * at concurrency 8–512. Reference, measured in the same run: a bare `fetch` loop sending the same requests.
 * Goal: < 1 ms of client CPU per sample, so the client is never the bottleneck.
 *   npm run bench:openai [-- --latency 20 --requests 2000]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { GenerationConfig } from '../schemas/generation.ts';
import type { Prompt } from '../schemas/prompt.ts';
import { sampleKey } from '../schemas/sample.ts';
import { openai } from '../src/models/openai/index.ts';

const { values } = parseArgs({ options: { latency: { type: 'string', default: '20' }, requests: { type: 'string', default: '1500' }, levels: { type: 'string', default: '8,64,256,512' } } });
const latency = Number(values.latency);
const levels = values.levels!.split(',').map(Number);
const K = 4;
const config = GenerationConfig.parse({ k: K, maxTokens: 256 });

const child = spawn(process.execPath, ['--import', 'tsx', new URL('./openai-server-process.ts', import.meta.url).pathname, String(latency)], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(child.stdout!, 'data')) as [Buffer];
const baseUrl = line.toString().trim();

const prompt = (i: number): Prompt => ({ id: `p${i}`, messages: [{ role: 'user', content: `What is ${i} + ${i + 7}? Think step by step.` }], reference: null, domain: 'math', source: 'bench', meta: {} });

interface Measure { seconds: number; cpuMs: number; requests: number; samples: number }

async function measure(fn: () => Promise<{ requests: number; samples: number }>): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { requests, samples } = await fn();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuMs: (cpu.user + cpu.system) / 1000, requests, samples };
}

/** Reference: the least a client can do: fetch, read JSON, count choices. */
async function fetchLoop(concurrency: number, requests: number) {
  const limit = pLimit(concurrency);
  let samples = 0;
  await Promise.all(
    Array.from({ length: requests }, (_, i) =>
      limit(async () => {
        const res = await fetch(`${baseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'bench', messages: prompt(i).messages, n: K, temperature: 0.8, top_p: 1, max_tokens: 256, seed: i }),
        });
        const json = (await res.json()) as { choices: unknown[] };
        samples += json.choices.length;
      }),
    ),
  );
  return { requests, samples };
}

/** Ours: the sampler as the engine drives it (one prompt a generate call, k samples through one `n` request). */
async function sampler(concurrency: number, requests: number) {
  const s = await openai({ baseUrl, model: 'bench', concurrency }).open();
  const limit = pLimit(concurrency);
  let samples = 0;
  await Promise.all(
    Array.from({ length: requests }, (_, i) =>
      limit(async () => {
        const p = prompt(i);
        const indices = [0, 1, 2, 3];
        const out = await s.generate([{ prompt: p, indices, keys: indices.map((j) => sampleKey(p.id, j, 'bench')) }], config);
        samples += out.filter((x) => x.error === null).length;
      }),
    ),
  );
  await s.close();
  return { requests, samples };
}

const rows: string[] = [];
const fmt = (m: Measure) => `${Math.round(m.requests / m.seconds)} req/s, ${((m.cpuMs * 1000) / m.samples).toFixed(0)} µs CPU/sample`;
let worst = 0;
try {
  for (const c of levels) {
    const n = Math.max(Number(values.requests), c * 4);
    await fetchLoop(c, Math.min(n, 200)); // warm up connections and JIT
    await sampler(c, Math.min(n, 200));
    const ref = await measure(() => fetchLoop(c, n));
    const ours = await measure(() => sampler(c, n));
    if (ours.samples !== n * K) throw new Error(`sampler lost samples: ${ours.samples} of ${n * K}`);
    const perSampleMs = ours.cpuMs / ours.samples;
    worst = Math.max(worst, perSampleMs);
    rows.push(
      `concurrency ${String(c).padStart(3)}: openai backend ${fmt(ours)} | bare fetch ${fmt(ref)} | CPU ratio ${(ours.cpuMs / ref.cpuMs).toFixed(2)}×, throughput ratio ${((ours.requests / ours.seconds) / (ref.requests / ref.seconds)).toFixed(2)}×`,
    );
    console.log(rows[rows.length - 1]);
  }
  console.log(`server latency ${latency} ms, k=${K} samples per request (n). Worst client CPU per sample: ${(worst * 1000).toFixed(0)} µs (goal < 1000 µs): ${worst < 1 ? 'OK' : 'OVER'}`);
} finally {
  child.kill('SIGTERM');
}
