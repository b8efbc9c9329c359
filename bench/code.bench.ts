/**
 * Code judge benchmark, one run, everything measured side by side in the same process:
 * 1. HumanEval's 164 canonical solutions through codeJudge (pool of 2, warm zygotes) against the same programs
 *    (the exact source the judge runs: prompt + solution + test + check(entry_point)) run bare, two at a time,
 *    by `python3 -I -S` — in alternating rounds (machine noise hits both alike), a ratio per round and the spread.
 *    Round 1 also runs the per-run bwrap sandbox the judge used before the zygotes (reference).
 *    Without ../shared: generated stdin/stdout programs (3 tests each) instead.
 * 2. A sample's stdin/stdout tests in one sandboxed run (the judge's way) vs one sandboxed run per test, same
 *    zygotes, 2 at a time.
 * 3. Per run, one at a time, a trivial program: bare `python3 -I -S` vs the judge, median ms and overhead.
 *
 *   npm run bench:code                 (BENCH_ROUNDS=5 BENCH_RUNS=30 to change the defaults 3 and 30)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pLimit from 'p-limit';
import { codeJudge, createCodeRunner, type CodeRunner } from '../src/judges/code/index.ts';
import { createBwrapSandbox } from '../src/judges/code/bwrap-sandbox.ts';
import { parseCodeTests, type CodeTests } from '../src/judges/code/code-tests.ts';
import { buildRuns } from '../src/judges/code/harness.ts';
import { resolvePython } from '../src/judges/code/interpreters.ts';
import { DEFAULT_LIMITS } from '../src/judges/code/limits.ts';
import { createRunPool } from '../src/judges/code/pool.ts';
import { runTests } from '../src/judges/code/run-tests.ts';
import type { Sandbox } from '../src/judges/code/sandbox.ts';
import { createZygoteSandbox } from '../src/judges/code/zygote-sandbox.ts';
import { Prompt } from '../schemas/prompt.ts';
import { Sample, sampleKey } from '../schemas/sample.ts';

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const humanEvalFile = path.join(path.resolve(repoRoot, '../shared'), 'datasets/HumanEval.jsonl.gz');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PAIR = 2; // programs at once, on both sides

interface Case {
  prompt: Prompt;
  sample: Sample;
  tests: CodeTests;
  code: string;
}

function sampleFor(id: string, code: string): Sample {
  return Sample.parse({ key: sampleKey(id, 0, 'bench'), promptId: id, index: 0, configHash: 'bench', text: `…</think>\n\`\`\`python\n${code}\`\`\`\n`, finishReason: 'stop', promptTokens: 0, completionTokens: 0, model: 'bench' });
}

function humanEvalCases(): Case[] | null {
  if (!existsSync(humanEvalFile)) return null;
  const rows = gunzipSync(readFileSync(humanEvalFile)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  return rows.map((r) => {
    const meta = { language: 'python', prompt: r.prompt, test: r.test, entry_point: r.entry_point };
    return {
      prompt: Prompt.parse({ id: r.task_id, messages: [{ role: 'user', content: r.prompt }], source: 'humaneval', domain: 'code', meta }),
      sample: sampleFor(r.task_id, r.canonical_solution),
      tests: parseCodeTests(meta, r.task_id),
      code: r.canonical_solution,
    };
  });
}

/** Stand-ins when ../shared is absent: small stdin/stdout problems with 3 tests each. */
function generatedCases(n: number): Case[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `gen-${i}`;
    const meta = { language: 'python', tests: [1, 2, 3].map((k) => ({ input: `${i} ${k}`, output: String(i * k + i) })) };
    const code = 'a, b = map(int, input().split())\nprint(a * b + a)\n';
    return {
      prompt: Prompt.parse({ id, messages: [{ role: 'user', content: 'a*b+a' }], source: 'generated', domain: 'code', meta }),
      sample: sampleFor(id, code),
      tests: parseCodeTests(meta, id),
      code,
    };
  });
}

/** The programs as files, exactly as the judge runs them (stdin per test), for the bare reference. */
function writeBarePrograms(cases: Case[], dir: string): { file: string; stdin: string }[] {
  const runs: { file: string; stdin: string }[] = [];
  cases.forEach((c, i) => {
    const sub = path.join(dir, String(i));
    mkdirSync(sub);
    for (const spec of buildRuns('python', c.code, c.tests)) {
      const file = path.join(sub, spec.files[0]!.name);
      writeFileSync(file, spec.files[0]!.content);
      runs.push({ file, stdin: spec.stdin });
    }
  });
  return runs;
}

async function bare(python: string, runs: { file: string; stdin: string }[]): Promise<{ seconds: number; failed: number }> {
  const limit = pLimit(PAIR);
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    runs.map((r) =>
      limit(
        () =>
          new Promise<void>((resolve) => {
            const child = execFile(python, ['-I', '-S', r.file], { cwd: path.dirname(r.file), env: { PATH: '/usr/bin:/bin' } }, (e) => {
              if (e) failed++;
              resolve();
            });
            child.stdin?.on('error', () => {}); // a program that does not read its input
            child.stdin?.end(r.stdin);
          }),
      ),
    ),
  );
  return { seconds: (performance.now() - t0) / 1000, failed };
}

async function throughJudge(cases: Case[]): Promise<{ seconds: number; passed: number; warmup: number; stats: Record<string, unknown> }> {
  const judge = codeJudge({ timeoutMs: 20_000, concurrency: PAIR });
  // Start the zygotes (one per slot) before the clock: a factory pays that once, not per program.
  const w0 = performance.now();
  await Promise.all(cases.slice(0, PAIR).map((c) => judge.judge(c.prompt, [c.sample], { previous: [[]] })));
  const warmup = performance.now() - w0;
  const t0 = performance.now();
  const verdicts = await Promise.all(cases.map((c) => judge.judge(c.prompt, [c.sample], { previous: [[]] })));
  const seconds = (performance.now() - t0) / 1000;
  const stats = judge.describe();
  await judge.close?.();
  return { seconds, passed: verdicts.filter((v) => v[0]?.verdict === 'pass').length, warmup, stats };
}

/** The sandbox before the zygotes: one bwrap + prlimit + interpreter start per run. */
async function perRunBwrap(cases: Case[]): Promise<number> {
  const sandbox = createBwrapSandbox({});
  const limit = pLimit(PAIR);
  const limits = { ...DEFAULT_LIMITS, timeoutMs: 20_000, cpuSeconds: 20 };
  const t0 = performance.now();
  await Promise.all(cases.flatMap((c) => buildRuns('python', c.code, c.tests).map((spec) => limit(() => sandbox.execute(spec, limits)))));
  return (performance.now() - t0) / 1000;
}

async function throughput(): Promise<void> {
  const he = humanEvalCases();
  const cases = he ?? generatedCases(60);
  const what = he ? `HumanEval, ${cases.length} canonical solutions` : `${cases.length} generated programs, 3 stdin tests each`;
  if (!he) console.log(`HumanEval not found at ${humanEvalFile}: using generated programs`);
  const python = (await resolvePython()).command;
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-code-bench-'));
  try {
    const runs = writeBarePrograms(cases, dir);
    console.log(`${what}: ${runs.length} executions per pass, ${PAIR} at a time on both sides, ${ROUNDS} alternating rounds`);
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const b = await bare(python, runs);
      const j = await throughJudge(cases);
      const ratio = j.seconds / b.seconds;
      ratios.push(ratio);
      const cold = round === 1 ? await perRunBwrap(cases) : null;
      console.log(
        `  round ${round}: bare python3 -I -S ${b.seconds.toFixed(2)} s (${b.failed} non-zero exits) | judge ${j.seconds.toFixed(2)} s, ${j.passed}/${cases.length} pass, ` +
          `${(runs.length / j.seconds).toFixed(1)} executions/s, ratio ${ratio.toFixed(2)}x` +
          (cold !== null ? ` | per-run bwrap sandbox (before) ${cold.toFixed(2)} s = ${(cold / b.seconds).toFixed(2)}x | zygote start-up ${j.warmup.toFixed(0)} ms` : ''),
      );
      if (j.passed !== cases.length) console.log('  WARNING: not every canonical program passed; see `npm run test:conformance`');
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(`judge / bare: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}x, spread ${sorted[0]!.toFixed(2)}x–${sorted[sorted.length - 1]!.toFixed(2)}x over ${ROUNDS} rounds`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function batching(): Promise<void> {
  const problems = 40;
  const testsEach = 10;
  const zygotes = createZygoteSandbox({});
  // The same zygotes, without the batch entry point: runTests then makes one request per test.
  const oneByOne: Sandbox = { mode: 'bwrap', describe: () => ({}), execute: (spec, limits) => zygotes.execute(spec, limits) };
  const pool = createRunPool(PAIR);
  const program = 'a, b = map(int, input().split())\nprint(a * b + a)\n';
  const cases = Array.from({ length: problems }, (_, i): CodeTests => ({ kind: 'io', tests: Array.from({ length: testsEach }, (_, k) => ({ input: `${i} ${k}`, output: String(i * k + i) })) }));
  const timed = async (sandbox: Sandbox) => {
    const t0 = performance.now();
    const results = await Promise.all(cases.map((tests) => runTests('python', program, tests, { sandbox, pool, limits: DEFAULT_LIMITS, floatTolerance: null, stopAtFirstFailure: false })));
    if (results.some((r) => r.outcome !== 'pass')) throw new Error('batching bench: a program did not pass');
    return (performance.now() - t0) / 1000;
  };
  try {
    await timed(zygotes); // start the zygotes
    const [batched, single] = [[] as number[], [] as number[]];
    for (let round = 0; round < ROUNDS; round++) {
      batched.push(await timed(zygotes));
      single.push(await timed(oneByOne));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [b, o] = [median(batched), median(single)];
    console.log(`${problems} programs × ${testsEach} stdin tests (median of ${ROUNDS}): a sample's tests in one sandboxed run ${b.toFixed(2)} s, one sandboxed run per test ${o.toFixed(2)} s (${(o / b).toFixed(2)}x), ${((problems * testsEach) / b).toFixed(0)} test executions/s`);
  } finally {
    await zygotes.close?.();
  }
}

async function overhead(): Promise<void> {
  const python = await resolvePython();
  const program = 'print(sum(range(1000)))\n';
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-code-bench-'));
  const file = path.join(dir, 'main.py');
  writeFileSync(file, program);
  const tests = { kind: 'io' as const, tests: [{ input: '', output: '499500' }] };
  const warm: CodeRunner = createCodeRunner({ concurrency: 1 });
  const rlimitOnly = createCodeRunner({ concurrency: 1, sandbox: 'rlimit-only' });
  const bareMs: number[] = [];
  const warmMs: number[] = [];
  const rlimitMs: number[] = [];
  try {
    await execFileAsync(python.command, ['-I', '-S', file]);
    const w = await warm.run({ program, tests });
    if (w.outcome !== 'pass') throw new Error(`sandbox warm-up did not pass: ${w.outcome} ${w.reason}`);
    await rlimitOnly.run({ program, tests });
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await execFileAsync(python.command, ['-I', '-S', file], { env: { PATH: '/usr/bin:/bin' } });
      bareMs.push(performance.now() - t);
      t = performance.now();
      await warm.run({ program, tests });
      warmMs.push(performance.now() - t);
      t = performance.now();
      await rlimitOnly.run({ program, tests });
      rlimitMs.push(performance.now() - t);
    }
  } finally {
    await warm.close();
    await rlimitOnly.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const [b, z, r] = [median(bareMs), median(warmMs), median(rlimitMs)];
  console.log(`per run (median of ${RUNS}, one at a time, trivial program, python ${python.version}):`);
  console.log(`  bare python3 -I -S            ${b.toFixed(1)} ms (reference)`);
  console.log(`  judge, warm zygote sandbox    ${z.toFixed(1)} ms  ratio ${(z / b).toFixed(2)}x  overhead ${z - b >= 0 ? '+' : ''}${(z - b).toFixed(1)} ms/run`);
  console.log(`  rlimit-only (opt-in)          ${r.toFixed(1)} ms  ratio ${(r / b).toFixed(2)}x  overhead ${r - b >= 0 ? '+' : ''}${(r - b).toFixed(1)} ms/run`);
}

await throughput();
await batching();
await overhead();
