import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { access, constants } from 'node:fs/promises';
import pLimit from 'p-limit';
import { UsageError } from './args.ts';
import { ConfigError } from '../pipeline/define.ts';
import { parseOrHelp, type CommandSpec, type FlagSpec } from './command.ts';

/** The flags every `distillery judge <kind>` takes. */
const JUDGE_FLAGS: Record<string, FlagSpec> = {
  input: { type: 'string', short: 'i', value: 'FILE', help: 'the JSONL file to judge (required)' },
  output: { type: 'string', short: 'o', value: 'FILE', help: 'where to write the output lines (default: stdout)' },
  concurrency: { type: 'string', value: 'N', help: 'lines judged at once' },
};

/**
 * The spec of a `distillery judge <kind>` command: the common flags, the kind's own, and the input fields and
 * output fields (printed by --help; the README's table says the same).
 */
export function judgeSpec(kind: string, o: { summary: string; input: string; output: string; flags?: Record<string, FlagSpec>; notes?: string }): CommandSpec {
  return {
    name: `judge ${kind}`,
    summary: o.summary,
    usage: '--input cases.jsonl [--output out.jsonl] [options]',
    flags: { ...JUDGE_FLAGS, ...(o.flags ?? {}) },
    notes: [
      `Input: one JSON object a line with ${o.input}.`,
      'A line without a needed field, or not a JSON object, gets verdict "error" with the reason; it never stops the file.',
      `Output: one JSON line per input line, in order: ${o.output}.`,
      'At the end, stderr gets a summary line: lines judged, and how many pass, fail and error.',
      ...(o.notes ? [o.notes] : []),
    ].join('\n'),
  };
}

/**
 * Shared body of `distillery judge <kind> --input F [--output F] [--concurrency N]`: stream the input JSONL,
 * judge each line with bounded concurrency, write output lines in input order (stdout by default).
 * A line that is not a JSON object gets an `error` verdict naming the line; it never stops the file.
 * Exit code 0 when the file was judged, whatever the verdicts.
 */
export async function runJsonlJudgeCommand(
  argv: string[],
  spec: CommandSpec,
  judgeLine: (row: Record<string, unknown>) => Promise<Record<string, unknown>>,
  opts: {
    concurrency?: number;
    onOptions?: (values: Record<string, unknown>) => void;
    /** Async preparation after the flags are parsed (open a model, a sandbox) and before the first line. */
    setup?: (values: Record<string, unknown>) => Promise<void>;
  } = {},
): Promise<number> {
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as Record<string, unknown> & { input?: string; output?: string; concurrency?: string };
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}": give the file as --input FILE`);
  if (!values.input) throw new UsageError('--input FILE.jsonl is required');
  // Plain words before any work: a missing input is not a stack trace.
  await access(values.input, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
    throw new ConfigError(`cannot read --input ${values.input}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.message}`);
  });
  opts.onOptions?.(values as Record<string, unknown>);
  await opts.setup?.(values as Record<string, unknown>);
  const concurrency = values.concurrency ? Number(values.concurrency) : (opts.concurrency ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');

  const out = values.output ? createWriteStream(values.output as string) : process.stdout;
  const limit = pLimit(concurrency);
  const pending: Promise<{ line: string; verdict: string }>[] = [];
  let lineNo = 0;
  let judged = 0;
  const counts = new Map<string, number>([['pass', 0], ['fail', 0], ['error', 0]]);
  const flush = async (all: boolean) => {
    // Keep order; write finished heads; bound the window so memory stays flat on big files.
    while (pending.length > 0 && (all || pending.length >= concurrency * 4)) {
      const { line, verdict } = await pending.shift()!;
      if (!out.write(line + '\n')) await once(out, 'drain');
      judged++;
      counts.set(verdict, (counts.get(verdict) ?? 0) + 1);
    }
  };
  const judgeRaw = async (raw: string, at: number): Promise<Record<string, unknown>> => {
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      return { line: at, verdict: 'error', category: 'invalid_input', reason: `${values.input}:${at}: not valid JSON (${(e as Error).message})` };
    }
    if (!row || typeof row !== 'object' || Array.isArray(row)) {
      return { line: at, verdict: 'error', category: 'invalid_input', reason: `${values.input}:${at}: expected a JSON object` };
    }
    const r = row as Record<string, unknown>;
    try {
      const result = await judgeLine(r);
      return { ...(r.id !== undefined ? { id: r.id } : {}), ...result };
    } catch (e) {
      return { ...(r.id !== undefined ? { id: r.id } : {}), verdict: 'error', category: 'invalid_input', reason: `${values.input}:${at}: ${(e as Error).message}` };
    }
  };
  const rl = createInterface({ input: createReadStream(values.input as string, 'utf8'), crlfDelay: Infinity });
  for await (const raw of rl) {
    lineNo++;
    if (raw.trim() === '') continue;
    const at = lineNo;
    pending.push(
      limit(async () => {
        const line = await judgeRaw(raw, at);
        return { line: JSON.stringify(line), verdict: String(line.verdict) };
      }),
    );
    await flush(false);
  }
  await flush(true);
  if (out !== process.stdout) {
    (out as NodeJS.WritableStream).end();
    await once(out, 'finish');
  }
  const others = [...counts].filter(([v]) => v !== 'pass' && v !== 'fail' && v !== 'error');
  console.error(`${spec.name}: ${judged} lines judged: ${counts.get('pass')} pass, ${counts.get('fail')} fail, ${counts.get('error')} error${others.map(([v, n]) => `, ${n} ${v}`).join('')}`);
  return 0;
}
