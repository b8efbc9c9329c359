import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { duckJson } from './duckdb-query.ts';

export { duckJson as duck };

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = path.join(repoRoot, 'bin/distillery.mjs');
const src = (p: string) => pathToFileURL(path.join(repoRoot, p)).href;

const tempDirs = new Set<string>();

/** A temp dir with package.json "type": "module", removed when the test process exits. */
export function tempWorkdir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `distillery-${prefix}-`));
  if (tempDirs.size === 0) process.once('exit', () => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  tempDirs.add(dir);
  writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  return dir;
}

/** GSM8K-style prompts p0…p{n-1}: "What is i + 7?", reference i + 7. */
export function writeGsm8kPrompts(file: string, n: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ id: `p${i}`, question: `What is ${i} + 7?`, answer: `${i} plus 7 makes ${i + 7}.\n#### ${i + 7}` }));
  writeFileSync(file, lines.join('\n') + '\n');
}

/** R1-style recorded samples for p0…p{n-1}: sample k is right when (i + k) % 3 !== 0. */
export function writeRecordings(file: string, n: number, k: number): void {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < k; s++) {
      const right = (i + s) % 3 !== 0;
      const ans = right ? i + 7 : i + 8;
      lines.push(JSON.stringify({ prompt_id: `p${i}`, sample_index: s, text: `<think>\nWe add ${i} and 7, step by step. ${'Check the sum again. '.repeat(s + 1)}\n</think>\n\nThe answer is \\boxed{${ans}}.`, finish_reason: 'stop', completion_tokens: 20 + s }));
    }
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

export interface PipelineFileOptions {
  name?: string;
  prompts?: string;
  recordings?: string;
  k?: number;
  batchSize?: number;
  concurrency?: number;
  /** Milliseconds each generate() call waits (a slow backend, to interrupt runs mid-way). */
  delayMs?: number;
  /** Extra text inside definePipeline({...}). */
  extra?: string;
  /** Extra judges, as source text of an array element list. */
  judges?: string;
}

/** Write a pipeline file: jsonl source → replay backend (optionally slowed) → exact-answer judge → keepAccepted. */
export function writePipeline(file: string, o: PipelineFileOptions = {}): void {
  const backend = `replay({ file: new URL('./${o.recordings ?? 'recordings.jsonl'}', import.meta.url), batchSize: ${o.batchSize ?? 4}, concurrency: ${o.concurrency ?? 2} })`;
  const slowed = o.delayMs
    ? `(() => { const b = ${backend}; return { ...b, describe: b.describe, async open() { const s = await b.open(); return { model: s.model, close: () => s.close(), async generate(r, c) { await new Promise((res) => setTimeout(res, ${o.delayMs})); return s.generate(r, c); } }; } }; })()`
    : backend;
  writeFileSync(
    file,
    `import { definePipeline } from '${src('src/pipeline/define.ts')}';
import { jsonl } from '${src('src/sources/jsonl.ts')}';
import { replay } from '${src('src/models/replay/index.ts')}';
import { exactAnswerJudge } from '${src('src/judges/exact-answer.ts')}';
import { keepAccepted } from '${src('src/select/keep-accepted.ts')}';
export default definePipeline({
  name: '${o.name ?? 'engine-test'}',
  sources: [jsonl(new URL('./${o.prompts ?? 'prompts.jsonl'}', import.meta.url), { domain: 'math' })],
  backend: ${slowed},
  generation: { k: ${o.k ?? 4}, temperature: 0.6 },
  judges: [exactAnswerJudge(), ${o.judges ?? ''}],
  selection: keepAccepted({ maxPerPrompt: 1, prefsPerPrompt: 1 }),
  output: { commitEverySeconds: 0, shardRows: 64 },
  ${o.extra ?? ''}
});
`,
  );
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Start `distillery <args>`; the returned promise settles when it exits. */
export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [cli, ...args], { cwd: opts.cwd ?? repoRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export const runCli = (args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) => startCli(args, opts).done;

/** Rows of a SQL query through real DuckDB, as JSON values. */
/** Key and content hash of every row of a corpus, sorted: what "the same final rows" means. */
export async function corpusDigest(out: string, corpus: string, keyColumn: string): Promise<string[]> {
  const rows = await duckJson<{ k: string; h: string }>(`SELECT ${keyColumn} AS k, md5(CAST(t AS VARCHAR)) AS h FROM read_parquet('${out}/${corpus}/*.parquet') t ORDER BY k, h`);
  return rows.map((r) => `${r.k} ${r.h}`);
}
