/**
 * Worker thread that encodes Parquet shards (hyparquet-writer + zstd: native where its addon loads, else wasm). Encoding a row group of long CoT text
 * takes about a second of CPU; here it never blocks the engine's event loop.
 *
 * Protocol (one shard at a time per worker; the pool serialises): `open` a file, `write` one row group per message,
 * `close` (finish + fsync, returns bytes, sha256 and the zstd encoder used) or `abort` (close and delete). Every reply carries the request id.
 */
import { closeSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer';
import type { SchemaElement } from './parquet-schema.ts';
import { zstdCompressor, zstdEncoderAvailable, zstdReady, type ZstdEncoder } from './zstd.ts';

export type WorkerRequest =
  | { id: number; op: 'open'; path: string; schema: SchemaElement[]; columns: string[]; zstdLevel: number; createdBy: string }
  | { id: number; op: 'write'; rows: Record<string, unknown>[] }
  | { id: number; op: 'close' }
  | { id: number; op: 'abort' };

export type WorkerReply = ({ id: number } & Success) | { id: number; ok: false; error: string };
type Success = { ok: true; bytes?: number; sha256?: string; zstd?: ZstdEncoder };
/** A request before the pool stamps its id. */
export type WorkerCall = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface OpenShard {
  path: string;
  fd: number;
  hash: Hash;
  columns: string[];
  writer: ParquetWriter;
  rows: number;
  converters: Convert[];
}

/**
 * Top-level columns of free text (prompts, responses, reasoning, chat turns): kilobytes per value, nearly all
 * distinct. For each, hyparquet-writer would try a dictionary (hash a sample of up to 1,000 values, usually give up)
 * and compute min/max statistics (compare every value with the running bounds; the bounds are then cut to 16 bytes,
 * and no reader prunes row groups on a 16-byte prefix of CoT text). They are written PLAIN and without statistics
 * instead: same values, same logical types, less CPU. zstd still finds text that repeats within a page (a prompt
 * once per sample in `samples`, where the dictionary sometimes won): files +0.02–0.04% on the four-corpus mix. A list
 * column (`messages`, `chosen` …) takes the options for all its leaves, its short `role` strings included (no
 * measurable cost). Every name is a column of some corpus (test/sinks.build-store.test.ts checks), so a renamed
 * field cannot silently fall back to the defaults. Kept here, not in parquet-schema.ts, so that the worker does not
 * load zod and the records to know it. Measurements: docs/sinks.md, "Writer CPU".
 */
export const FREE_TEXT_COLUMNS: ReadonlySet<string> = new Set(['prompt', 'messages', 'prompt_messages', 'response', 'reasoning', 'chosen', 'rejected']);

/** hyparquet-writer's per-column options: PLAIN, no statistics for free text; its defaults (a dictionary when it pays, statistics) elsewhere. */
export function columnWriteOptions(name: string): Pick<ColumnSource, 'encoding' | 'statistics'> {
  return FREE_TEXT_COLUMNS.has(name) ? { encoding: 'PLAIN', statistics: false } : {};
}

type Convert = (v: unknown) => unknown;
const identity: Convert = (v) => v;

/**
 * hyparquet-writer wants bigint for INT64; rows carry JS numbers. Build, per top-level column, a converter that
 * turns numbers into bigint wherever the schema has an INT64 leaf (flat, in structs, in lists), identity elsewhere.
 */
function convertersFor(schema: SchemaElement[]): Convert[] {
  let i = 1;
  const build = (): Convert => {
    const el = schema[i++];
    const n = el.num_children ?? 0;
    if (n === 0) return el.type === 'INT64' ? (v) => (typeof v === 'number' ? BigInt(v) : v) : identity;
    const kids: [string, Convert][] = [];
    for (let c = 0; c < n; c++) {
      const name = schema[i].name;
      kids.push([name, build()]);
    }
    if (kids.every(([, f]) => f === identity)) return identity;
    if (el.converted_type === 'LIST') {
      const elem = kids[0][1]; // list → element
      const inner = elem;
      return (v) => (Array.isArray(v) ? v.map((x) => inner(x)) : v);
    }
    if (el.repetition_type === 'REPEATED' && n === 1) return kids[0][1];
    return (v) => {
      if (v === null || typeof v !== 'object') return v;
      const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [k, f] of kids) o[k] = f(o[k]);
      return o;
    };
  };
  const out: Convert[] = [];
  while (i < schema.length) out.push(build());
  return out;
}

const FLUSH_BYTES = 1 << 20;
let shard: OpenShard | null = null;
const ready = zstdReady();

/** A ByteWriter that streams to a file descriptor in ~1 MB pieces and hashes what it writes. */
function fdWriter(fd: number, hash: Hash): ByteWriter {
  const w = new ByteWriter(FLUSH_BYTES * 2);
  const flush = () => {
    if (w.index === 0) return;
    const chunk = new Uint8Array(w.buffer, 0, w.index);
    hash.update(chunk);
    let off = 0;
    while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    w.index = 0;
  };
  const grow = w.ensure.bind(w);
  w.ensure = (size: number) => {
    if (w.index > FLUSH_BYTES) flush();
    grow(size);
  };
  (w as { flush?: () => void }).flush = flush;
  w.finish = flush;
  return w;
}

function handle(msg: WorkerRequest): Success {
  switch (msg.op) {
    case 'open': {
      if (shard) throw new Error(`worker already writing ${shard.path}`);
      const fd = openSync(msg.path, 'w');
      const hash = createHash('sha256');
      const writer = new ParquetWriter({
        writer: fdWriter(fd, hash),
        schema: msg.schema,
        codec: 'ZSTD',
        compressors: { ZSTD: zstdCompressor(msg.zstdLevel) },
        createdBy: msg.createdBy,
      });
      shard = { path: msg.path, fd, hash, columns: msg.columns, writer, rows: 0, converters: convertersFor(msg.schema) };
      return { ok: true };
    }
    case 'write': {
      const s = mustHave();
      const rows = msg.rows;
      if (rows.length === 0) return { ok: true };
      const columnData = s.columns.map((name, c) => {
        const toPhysical = s.converters[c];
        const data = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) data[i] = toPhysical(rows[i][name] ?? null);
        return { name, data, ...columnWriteOptions(name) };
      });
      try {
        s.writer.write({ columnData, rowGroupSize: rows.length });
      } catch (err) {
        throw new Error(`${s.path}: row group at rows ${s.rows}..${s.rows + rows.length - 1}: ${(err as Error).message}`);
      }
      s.rows += rows.length;
      return { ok: true };
    }
    case 'close': {
      const s = mustHave();
      s.writer.finish();
      fsyncSync(s.fd);
      closeSync(s.fd);
      shard = null;
      return { ok: true, bytes: Number(s.writer.writer.offset), sha256: s.hash.digest('hex'), zstd: zstdEncoderAvailable().encoder };
    }
    case 'abort': {
      if (shard) {
        closeSync(shard.fd);
        try {
          unlinkSync(shard.path);
        } catch {
          /* already gone */
        }
        shard = null;
      }
      return { ok: true };
    }
  }
}

function mustHave(): OpenShard {
  if (!shard) throw new Error('no shard open in this worker');
  return shard;
}

// Imported outside a worker (a test reads FREE_TEXT_COLUMNS), there is no port to serve.
parentPort?.on('message', async (msg: WorkerRequest) => {
  await ready;
  let reply: WorkerReply;
  try {
    reply = { id: msg.id, ...handle(msg) };
  } catch (err) {
    reply = { id: msg.id, ok: false, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
