import { checkOptionKeys } from '../../config/strict-options.ts';
import path from 'node:path';
import type { Backend, GeneratedSample, Sampler } from '../sampler.ts';
import { resolveInputFile } from '../../sources/file-path.ts';
import { openRecordings } from './recordings.ts';

export interface ReplayOptions {
  /** JSONL or Parquet file of recorded samples: prompt_id, index (or sample_index), text (or response), finish_reason, tokens. */
  file: string | URL;
  /** Model name written into every sample (default "replay:<file name>"). */
  model?: string;
  /** Prompts per generate() call (default 64). */
  batchSize?: number;
  /** generate() calls in flight (default 2). */
  concurrency?: number;
}

/**
 * A backend that serves recorded samples keyed by (prompt id, sample index): for tests, benches, and re-judging
 * samples produced elsewhere. A missing recording becomes an `error` sample with the reason, never a crash.
 * The backend identity includes the file's name (not its path, so a moved checkout keeps its sample keys).
 */
export function replay(options: ReplayOptions): Backend {
  checkOptionKeys('replay', options, ['file', 'model', 'batchSize', 'concurrency']);
  const file = resolveInputFile(options.file, 'replay backend');
  const model = options.model ?? `replay:${path.basename(file)}`;
  return {
    kind: 'replay',
    batchSize: options.batchSize ?? 64,
    concurrency: options.concurrency ?? 2,
    describe: () => ({ kind: 'replay', file: path.basename(file), model }),
    async open(): Promise<Sampler> {
      const recordings = await openRecordings(file);
      return {
        model,
        async generate(requests) {
          const out: GeneratedSample[] = [];
          for (const r of requests) {
            for (const index of r.indices) {
              const rec = await recordings.get(r.prompt.id, index);
              if ('missing' in rec) {
                out.push({ promptId: r.prompt.id, index, prefill: '', text: '', finishReason: 'error', promptTokens: 0, completionTokens: 0, error: rec.missing });
              } else {
                out.push({ promptId: r.prompt.id, index, prefill: '', ...rec, error: null });
              }
            }
          }
          return out;
        },
        close: () => recordings.close(),
      };
    },
  };
}
