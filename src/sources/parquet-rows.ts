import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type Compressors } from 'hyparquet';
import { decompress, init as initZstd } from '@bokuweb/zstd-wasm';
import { InvalidUtf8 } from './prompt-mapping.ts';

let zstdReady: Promise<void> | null = null;

/**
 * hyparquet reads snappy itself; ZSTD (what our sinks and many HF files use) goes through zstd-wasm.
 * zstd-wasm's init() must run once per process: a second call re-instantiates the module and decompress calls
 * made right after it fail ("code -72"), so every reader in the process should take its decompressors from here.
 */
export async function parquetCompressors(): Promise<Compressors> {
  zstdReady ??= initZstd();
  await zstdReady;
  // Frames without a content size (hyparquet-writer's) need the page's uncompressed size as the buffer size.
  return { ZSTD: (input: Uint8Array, outputLength: number) => decompress(input, { defaultHeapSize: Math.max(outputLength, 1) }) };
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode strings strictly: bad bytes become an InvalidUtf8 marker so the row, not the file, is rejected. */
function stringFromBytes(bytes: Uint8Array): string | InvalidUtf8 | undefined {
  if (!bytes) return bytes;
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return new InvalidUtf8(bytes);
  }
}

export interface ParquetRowBatch {
  /** Index of the first row of the batch in the file (0-based). */
  start: number;
  rows: Record<string, unknown>[];
}

/** Total rows in a Parquet file (from the footer; cheap). */
export async function parquetRowCount(file: string): Promise<number> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  return Number(metadata.num_rows);
}

/**
 * Read a Parquet file row group by row group (memory bounded by one row group), as plain objects.
 * `columns` limits what is decoded.
 */
export async function* parquetRowBatches(file: string, columns?: string[]): AsyncGenerator<ParquetRowBatch> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const comp = await parquetCompressors();
  let start = 0;
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, columns, rowStart: start, rowEnd: start + n, compressors: comp, parsers: { stringFromBytes } });
    yield { start, rows: rows as Record<string, unknown>[] };
    start += n;
  }
}
