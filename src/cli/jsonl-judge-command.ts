import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import pLimit from 'p-limit';
import { parseCli, UsageError } from './args.ts';

/**
 * Shared body of `distillery judge <kind> --input F [--output F] [--concurrency N]`: stream the input JSONL,
 * judge each line with bounded concurrency, write output lines in input order (stdout by default).
 * A line that is not a JSON object gets an `error` verdict naming the line; it never stops the file.
 * Exit code 0 when the file was judged, whatever the verdicts.
 */
export async function runJsonlJudgeCommand(
  argv: string[],
  kind: string,
  judgeLine: (row: Record<string, unknown>) => Promise<Record<string, unknown>>,
  opts: {
    concurrency?: number;
    extraOptions?: Record<string, { type: 'string' | 'boolean' }>;
    onOptions?: (values: Record<string, unknown>) => void;
    /** Async preparation after the flags are parsed (open a model, a sandbox) and before the first line. */
    setup?: (values: Record<string, unknown>) => Promise<void>;
  } = {},
): Promise<number> {
  const { values } = parseCli(argv, {
    input: { type: 'string', short: 'i' },
    output: { type: 'string', short: 'o' },
    concurrency: { type: 'string' },
    ...(opts.extraOptions ?? {}),
  });
  if (!values.input) throw new UsageError(`judge ${kind}: --input FILE.jsonl is required`);
  opts.onOptions?.(values as Record<string, unknown>);
  await opts.setup?.(values as Record<string, unknown>);
  const concurrency = values.concurrency ? Number(values.concurrency) : (opts.concurrency ?? 8);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`judge ${kind}: --concurrency must be a positive integer`);

  const out = values.output ? createWriteStream(values.output as string) : process.stdout;
  const limit = pLimit(concurrency);
  const pending: Promise<string>[] = [];
  let lineNo = 0;
  let judged = 0;
  const flush = async (all: boolean) => {
    // Keep order; write finished heads; bound the window so memory stays flat on big files.
    while (pending.length > 0 && (all || pending.length >= concurrency * 4)) {
      const line = await pending.shift()!;
      if (!out.write(line + '\n')) await once(out, 'drain');
      judged++;
    }
  };
  const rl = createInterface({ input: createReadStream(values.input as string, 'utf8'), crlfDelay: Infinity });
  for await (const raw of rl) {
    lineNo++;
    if (raw.trim() === '') continue;
    const at = lineNo;
    pending.push(
      limit(async () => {
        let row: unknown;
        try {
          row = JSON.parse(raw);
        } catch (e) {
          return JSON.stringify({ line: at, verdict: 'error', category: 'invalid_input', reason: `${values.input}:${at}: not valid JSON (${(e as Error).message})` });
        }
        if (!row || typeof row !== 'object' || Array.isArray(row)) {
          return JSON.stringify({ line: at, verdict: 'error', category: 'invalid_input', reason: `${values.input}:${at}: expected a JSON object` });
        }
        const r = row as Record<string, unknown>;
        try {
          const result = await judgeLine(r);
          return JSON.stringify({ ...(r.id !== undefined ? { id: r.id } : {}), ...result });
        } catch (e) {
          return JSON.stringify({ ...(r.id !== undefined ? { id: r.id } : {}), verdict: 'error', category: 'invalid_input', reason: `${values.input}:${at}: ${(e as Error).message}` });
        }
      }),
    );
    await flush(false);
  }
  await flush(true);
  if (out !== process.stdout) {
    (out as NodeJS.WritableStream).end();
    await once(out, 'finish');
  }
  console.error(`judge ${kind}: ${judged} lines judged`);
  return 0;
}
