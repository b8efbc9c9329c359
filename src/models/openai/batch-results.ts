import { open, type FileHandle } from 'node:fs/promises';
import { byteLines } from '../../sources/jsonl-lines.ts';

/** Where one result line lives, and whether it is a success (a success wins over an error for the same id). */
interface ResultRef {
  file: number;
  offset: number;
  length: number;
  ok: boolean;
}

/** A parsed batch output line: the response body, or why there is none. */
export type BatchResult = { ok: true; body: unknown } | { ok: false; reason: string };

interface OutputLine {
  custom_id?: unknown;
  response?: { status_code?: number; body?: unknown } | null;
  error?: { code?: string; message?: string } | null;
}

function resultOf(line: OutputLine): BatchResult {
  const status = line.response?.status_code;
  if (line.error) return { ok: false, reason: `batch error ${line.error.code ?? ''}: ${line.error.message ?? JSON.stringify(line.error)}`.trim() };
  if (status === 200 && line.response?.body !== undefined) return { ok: true, body: line.response.body };
  const message = (line.response?.body as { error?: { message?: string } } | undefined)?.error?.message;
  return { ok: false, reason: `batch response HTTP ${status ?? '(none)'}${message ? `: ${message}` : ''}` };
}

/**
 * An index of batch output files (OpenAI Batch API / `vllm run-batch` JSONL) by `custom_id`: byte offsets only,
 * so result files larger than memory can be imported; a line is read again when its sample is served.
 * Several files and partial files are fine; for an id present more than once, the first success wins, else the
 * first error. Lines that are not JSON or lack a custom_id are counted and reported, not fatal.
 */
export class BatchResultIndex {
  private readonly refs = new Map<string, ResultRef>();
  private handles: FileHandle[] = [];
  readonly unreadable: { file: string; line: number; reason: string }[] = [];
  lines = 0;

  private constructor(readonly files: readonly string[]) {}

  static async build(files: readonly string[]): Promise<BatchResultIndex> {
    const index = new BatchResultIndex(files);
    for (let f = 0; f < files.length; f++) {
      for await (const l of byteLines(files[f])) {
        if (l.bytes.length === 0 || /^\s*$/.test(l.bytes.toString('latin1'))) continue;
        index.lines++;
        let parsed: OutputLine;
        try {
          parsed = JSON.parse(l.bytes.toString('utf8')) as OutputLine;
        } catch (err) {
          // A partial file may end mid-line: that line is simply not there yet.
          index.unreadable.push({ file: files[f], line: l.line, reason: `not JSON (${(err as Error).message})` });
          continue;
        }
        if (typeof parsed.custom_id !== 'string') {
          index.unreadable.push({ file: files[f], line: l.line, reason: 'no custom_id' });
          continue;
        }
        const ok = resultOf(parsed).ok;
        const had = index.refs.get(parsed.custom_id);
        if (!had || (!had.ok && ok)) index.refs.set(parsed.custom_id, { file: f, offset: l.offset, length: l.bytes.length, ok });
      }
    }
    return index;
  }

  get size(): number {
    return this.refs.size;
  }

  has(customId: string): boolean {
    return this.refs.has(customId);
  }

  /** The result for `customId`, read from its file; null when absent. */
  async get(customId: string): Promise<BatchResult | null> {
    const ref = this.refs.get(customId);
    if (!ref) return null;
    if (this.handles.length === 0) this.handles = await Promise.all(this.files.map((f) => open(f, 'r')));
    const buf = Buffer.alloc(ref.length);
    await this.handles[ref.file].read(buf, 0, ref.length, ref.offset);
    return resultOf(JSON.parse(buf.toString('utf8')) as OutputLine);
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
    this.handles = [];
  }
}
