import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { byteLines } from '../../sources/jsonl-lines.ts';
import { parquetRowBatches } from '../../sources/parquet-rows.ts';
import { FinishReason } from '../../../schemas/sample.ts';

/** One recorded sample, as read from a recording file. */
export interface Recording {
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
}

/** Where recordings are: looked up by (prompt id, index) and read on demand, so memory holds an index, not the texts. */
export interface RecordingStore {
  get(promptId: string, index: number): Promise<Recording | { missing: string }>;
  close(): Promise<void>;
}

const key = (promptId: string, index: number) => `${promptId}\u0000${index}`;

/** Map one recorded row (JSONL object or Parquet row) to a Recording, or say what is wrong with it. */
export function toRecording(row: Record<string, unknown>): Recording | { missing: string } {
  const text = row.text ?? row.response ?? row.completion;
  if (typeof text !== 'string') return { missing: 'recording has no "text" (or "response") string' };
  const fr = FinishReason.safeParse(row.finish_reason ?? row.finishReason ?? 'stop');
  const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);
  const completion = num(row.completion_tokens ?? row.completionTokens ?? row.tokens);
  return {
    text,
    finishReason: fr.success ? fr.data : 'stop',
    promptTokens: num(row.prompt_tokens ?? row.promptTokens) ?? 0,
    // Without a token count, a whitespace word count is the honest cheap estimate (recorded files often lack it).
    completionTokens: completion ?? (text.trim() === '' ? 0 : text.trim().split(/\s+/).length),
  };
}

function rowKey(row: Record<string, unknown>): { promptId: string; index: number } | null {
  const pid = row.prompt_id ?? row.promptId;
  const idx = row.index ?? row.sample_index ?? row.sampleIndex;
  if ((typeof pid !== 'string' && typeof pid !== 'number') || (typeof idx !== 'number' && typeof idx !== 'bigint')) return null;
  return { promptId: String(pid), index: Number(idx) };
}

/** JSONL recordings: one pass builds an index of byte ranges; lines are read back with positional reads. */
async function jsonlRecordings(file: string): Promise<RecordingStore> {
  const at = new Map<string, [number, number]>();
  for await (const l of byteLines(file)) {
    if (l.bytes.length === 0) continue;
    let row: unknown;
    try {
      row = JSON.parse(l.bytes.toString('utf8'));
    } catch {
      continue; // an unreadable line is a missing recording, reported when asked for
    }
    const k = row && typeof row === 'object' ? rowKey(row as Record<string, unknown>) : null;
    if (k) at.set(key(k.promptId, k.index), [l.offset, l.bytes.length]);
  }
  const fh: FileHandle = await open(file, 'r');
  return {
    async get(promptId, index) {
      const loc = at.get(key(promptId, index));
      if (!loc) return { missing: `no recording for prompt "${promptId}" sample ${index} in ${path.basename(file)}` };
      const buf = Buffer.alloc(loc[1]);
      await fh.read(buf, 0, loc[1], loc[0]);
      return toRecording(JSON.parse(buf.toString('utf8')) as Record<string, unknown>);
    },
    close: () => fh.close(),
  };
}

/** Parquet recordings: the texts are held in memory (a recording file for tests and benches, not a corpus). */
async function parquetRecordings(file: string): Promise<RecordingStore> {
  const at = new Map<string, Recording | { missing: string }>();
  for await (const batch of parquetRowBatches(file)) {
    for (const row of batch.rows) {
      const k = rowKey(row);
      if (k) at.set(key(k.promptId, k.index), toRecording(row));
    }
  }
  return {
    async get(promptId, index) {
      return at.get(key(promptId, index)) ?? { missing: `no recording for prompt "${promptId}" sample ${index} in ${path.basename(file)}` };
    },
    close: async () => at.clear(),
  };
}

export function openRecordings(file: string): Promise<RecordingStore> {
  return file.endsWith('.parquet') ? parquetRecordings(file) : jsonlRecordings(file);
}
