import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/strict-options.ts';
import type { Source, SourceItem, SourceReadOptions } from './source.ts';
import { rowToPrompt, RowError, type ColumnMapping } from './prompt-mapping.ts';
import { quarantineItem } from './quarantine.ts';
import { resolveInputFile } from './file-path.ts';
import { fileSha256 } from './file-digest.ts';
import { byteLines } from './jsonl-lines.ts';

export interface FileSourceOptions {
  /** Source name written in every row (default: the file name). */
  name?: string;
  /** Explicit column mapping (default: detect the common HF layouts). */
  mapping?: ColumnMapping;
  /** Domain of every prompt (default "general"), unless `mapping.domain` names a column. */
  domain?: string;
  /** System message prepended to every prompt. */
  system?: string;
  /** Override the pipeline's maxPromptBytes for this source. */
  maxPromptBytes?: number;
}

/** FileSourceOptions as a strict schema: a misspelt option is an error (see parseOptions). */
export const FileSourceSchema = z.strictObject({
  name: z.string().min(1).optional(),
  mapping: z
    .strictObject({ prompt: z.string(), messages: z.string(), reference: z.string(), id: z.string(), domain: z.string(), meta: z.array(z.string()) })
    .partial()
    .optional(),
  domain: z.string().min(1).optional(),
  system: z.string().optional(),
  maxPromptBytes: z.number().int().min(1).optional(),
});

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Prompts from a JSON Lines file: one JSON object a line; bad lines are quarantined with their line number. */
export function jsonl(file: string | URL, options: FileSourceOptions = {}): Source {
  parseOptions('jsonl', FileSourceSchema, options);
  const abs = resolveInputFile(file, 'jsonl source');
  const name = options.name ?? path.basename(abs);
  const shown = path.relative(process.cwd(), abs) || abs;
  return {
    name,
    describe: () => ({ kind: 'jsonl', file: path.basename(abs), name, mapping: options.mapping ?? 'auto', domain: options.domain ?? null, system: options.system ?? null, maxPromptBytes: options.maxPromptBytes ?? null }),
    digest: () => fileSha256(abs),
    async count() {
      let n = 0;
      for await (const l of byteLines(abs, 0)) if (l.length > 0) n++;
      return n;
    },
    async *read(readOptions: SourceReadOptions = {}): AsyncGenerator<SourceItem> {
      const maxBytes = options.maxPromptBytes ?? readOptions.maxPromptBytes ?? 1 << 20;
      for await (const l of byteLines(abs, maxBytes)) {
        if (l.truncated) {
          yield quarantineItem(shown, l.line, 'too-large', `row is ${l.length} bytes, over the limit of ${maxBytes} (maxPromptBytes)`, l.bytes.subarray(0, 256).toString('utf8'));
          continue;
        }
        let text: string;
        try {
          text = fatalUtf8.decode(l.bytes);
        } catch {
          yield quarantineItem(shown, l.line, 'invalid-utf8', 'row bytes are not valid UTF-8', l.bytes.toString('utf8'));
          continue;
        }
        if (text.trim() === '') {
          yield quarantineItem(shown, l.line, 'empty', 'empty line', text);
          continue;
        }
        let row: unknown;
        try {
          row = JSON.parse(text);
        } catch (e) {
          yield quarantineItem(shown, l.line, 'invalid-json', (e as Error).message, text);
          continue;
        }
        try {
          yield { kind: 'prompt', prompt: rowToPrompt(row, { ...options, source: name }), at: { file: shown, line: l.line } };
        } catch (e) {
          if (!(e instanceof RowError)) throw e;
          yield quarantineItem(shown, l.line, e.category, e.message, text);
        }
      }
    },
  };
}
