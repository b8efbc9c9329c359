/**
 * Code judge benchmark, one run:
 * 1. throughput: executions/s of the 164 HumanEval canonical solutions through codeJudge (pool = cores);
 *    without ../shared, of generated stdin/stdout programs instead;
 * 2. sandbox overhead per run: the same trivial program through the sandbox (one at a time) against a bare
 *    `python3` subprocess, printed as a ratio and as milliseconds added per run.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { codeJudge, createCodeRunner } from '../src/judges/code/index.ts';
import { resolvePython } from '../src/judges/code/interpreters.ts';
import { Prompt } from '../schemas/prompt.ts';
import { Sample, sampleKey } from '../schemas/sample.ts';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const humanEvalFile = path.join(path.resolve(repoRoot, '../shared'), 'datasets/HumanEval.jsonl.gz');

interface Case {
  prompt: Prompt;
  sample: Sample;
}

function sampleFor(id: string, code: string): Sample {
  return Sample.parse({ key: sampleKey(id, 0, 'bench'), promptId: id, index: 0, configHash: 'bench', text: `…</think>\n\`\`\`python\n${code}\`\`\`\n`, finishReason: 'stop', promptTokens: 0, completionTokens: 0, model: 'bench' });
}

function humanEvalCases(): Case[] | null {
  if (!existsSync(humanEvalFile)) return null;
  const rows = gunzipSync(readFileSync(humanEvalFile)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  return rows.map((r) => ({
    prompt: Prompt.parse({ id: r.task_id, messages: [{ role: 'user', content: r.prompt }], source: 'humaneval', domain: 'code', meta: { language: 'python', prompt: r.prompt, test: r.test, entry_point: r.entry_point } }),
    sample: sampleFor(r.task_id, r.canonical_solution),
  }));
}

/** Stand-ins when ../shared is absent: small stdin/stdout problems with 3 tests each. */
function generatedCases(n: number): Case[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `gen-${i}`;
    const tests = [1, 2, 3].map((k) => ({ input: `${i} ${k}`, output: String(i * k + i) }));
    return {
      prompt: Prompt.parse({ id, messages: [{ role: 'user', content: 'a*b+a' }], source: 'generated', domain: 'code', meta: { language: 'python', tests } }),
      sample: sampleFor(id, 'a, b = map(int, input().split())\nprint(a * b + a)\n'),
    };
  });
}

async function throughput(): Promise<void> {
  const he = humanEvalCases();
  const cases = he ?? generatedCases(40);
  const runsPerCase = he ? 1 : 3;
  if (!he) console.log(`HumanEval not found at ${humanEvalFile}: using ${cases.length} generated programs (3 tests each)`);
  const judge = codeJudge({ timeoutMs: 20_000 });
  const t0 = performance.now();
  const verdicts = await Promise.all(cases.map((c) => judge.judge(c.prompt, [c.sample], { previous: [[]] })));
  const s = (performance.now() - t0) / 1000;
  await judge.close?.();
  const passed = verdicts.filter((v) => v[0]?.verdict === 'pass').length;
  const executions = cases.length * runsPerCase;
  console.log(`throughput (${he ? 'HumanEval canonical solutions' : 'generated programs'}, pool of ${availableParallelism()}): ${cases.length} problems, ${passed} passed, ${executions} executions in ${s.toFixed(2)} s = ${(executions / s).toFixed(1)} executions/s`);
  if (passed !== cases.length) console.log('WARNING: not every canonical program passed; see `npm run test:conformance`');
}

async function overhead(runs: number): Promise<void> {
  const python = await resolvePython();
  const program = 'print(sum(range(1000)))\n';
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-code-bench-'));
  const file = path.join(dir, 'main.py');
  writeFileSync(file, program);
  const bareMs: number[] = [];
  const sandboxMs: number[] = [];
  const rlimitMs: number[] = [];
  const tests = { kind: 'io' as const, tests: [{ input: '', output: '499500' }] };
  const sandboxed = createCodeRunner({ concurrency: 1 });
  const rlimitOnly = createCodeRunner({ concurrency: 1, sandbox: 'rlimit-only' });
  try {
    // warm-up: resolve interpreters, probe bwrap, fill the page cache
    await execFileAsync(python.command, ['-B', file]);
    const warm = await sandboxed.run({ program, tests });
    if (warm.outcome !== 'pass') throw new Error(`sandbox warm-up did not pass: ${warm.outcome} ${warm.reason}`);
    await rlimitOnly.run({ program, tests });
    // interleaved so that machine noise hits all three alike
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await execFileAsync(python.command, ['-B', file], { env: { PATH: '/usr/bin:/bin' } });
      bareMs.push(performance.now() - t);
      t = performance.now();
      await sandboxed.run({ program, tests });
      sandboxMs.push(performance.now() - t);
      t = performance.now();
      await rlimitOnly.run({ program, tests });
      rlimitMs.push(performance.now() - t);
    }
  } finally {
    await sandboxed.close();
    await rlimitOnly.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const bare = median(bareMs);
  const box = median(sandboxMs);
  const rl = median(rlimitMs);
  console.log(`per run (median of ${runs}, one at a time, python ${python.version}):`);
  console.log(`  bare python3 subprocess      ${bare.toFixed(1)} ms (reference)`);
  console.log(`  bwrap sandbox + rlimits      ${box.toFixed(1)} ms  ratio ${(box / bare).toFixed(2)}x  overhead +${(box - bare).toFixed(1)} ms/run`);
  console.log(`  rlimit-only (opt-in)         ${rl.toFixed(1)} ms  ratio ${(rl / bare).toFixed(2)}x  overhead +${(rl - bare).toFixed(1)} ms/run`);
}

await throughput();
await overhead(Number(process.env.BENCH_RUNS ?? 30));
