import { parseOptions } from '../config/strict-options.ts';
import { FileSourceSchema } from './jsonl.ts';
import path from 'node:path';
import type { Source, SourceItem, SourceReadOptions } from './source.ts';
import { rowToPrompt, RowError, InvalidUtf8 } from './prompt-mapping.ts';
import { quarantineItem } from './quarantine.ts';
import { resolveInputFile } from './file-path.ts';
import { fileSha256 } from './file-digest.ts';
import { parquetRowBatches, parquetRowCount } from './parquet-rows.ts';
import type { FileSourceOptions } from './jsonl.ts';

/** JSON text of a row for quarantine and size checks (bigints and bad strings made printable). */
function rowJson(row: Record<string, unknown>): string {
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof InvalidUtf8 ? Buffer.from(v.bytes).toString('utf8') : v));
}

/**
 * Prompts from a Parquet file (e.g. a Hugging Face dataset shard), read row group by row group with hyparquet.
 * Bad rows are quarantined with their 1-based row number as the line.
 */
export function parquet(file: string | URL, options: FileSourceOptions = {}): Source {
  parseOptions('parquet', FileSourceSchema, options);
  const abs = resolveInputFile(file, 'parquet source');
  const name = options.name ?? path.basename(abs);
  const shown = path.relative(process.cwd(), abs) || abs;
  return {
    name,
    describe: () => ({ kind: 'parquet', file: path.basename(abs), name, mapping: options.mapping ?? 'auto', domain: options.domain ?? null, system: options.system ?? null, maxPromptBytes: options.maxPromptBytes ?? null }),
    digest: () => fileSha256(abs),
    count: () => parquetRowCount(abs),
    async *read(readOptions: SourceReadOptions = {}): AsyncGenerator<SourceItem> {
      const maxBytes = options.maxPromptBytes ?? readOptions.maxPromptBytes ?? 1 << 20;
      for await (const batch of parquetRowBatches(abs)) {
        for (let i = 0; i < batch.rows.length; i++) {
          const row = batch.rows[i];
          const line = batch.start + i + 1;
          const json = rowJson(row);
          const bytes = Buffer.byteLength(json);
          if (bytes > maxBytes) {
            yield quarantineItem(shown, line, 'too-large', `row is ${bytes} bytes, over the limit of ${maxBytes} (maxPromptBytes)`, json.slice(0, 256));
            continue;
          }
          try {
            yield { kind: 'prompt', prompt: rowToPrompt(row, { ...options, source: name }), at: { file: shown, line: line } };
          } catch (e) {
            if (!(e instanceof RowError)) throw e;
            yield quarantineItem(shown, line, e.category, e.message, json);
          }
        }
      }
    },
  };
}
