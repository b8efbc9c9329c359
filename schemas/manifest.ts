import { z } from 'zod';
import { OutputConfig } from './pipeline.ts';

/** The manifest of a build directory (schema only; reading and writing it: src/sinks/manifest.ts). */

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'distillery-build/1';

export const ShardKind = z.enum(['sft', 'distill', 'samples', 'prefs', 'quarantine']);
export type ShardKind = z.infer<typeof ShardKind>;

/** One committed file: a Parquet shard of a corpus, or a JSONL file of quarantined input rows. */
export const ShardEntry = z.object({
  corpus: ShardKind,
  /** Relative to the build directory, with forward slashes: `sft/part-00000-c000001.parquet`. */
  path: z.string(),
  rows: z.number().int().min(0),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The commit that wrote it (1-based). */
  commit: z.number().int().min(1),
});
export type ShardEntry = z.infer<typeof ShardEntry>;

export const CorpusTotals = z.object({ rows: z.number().int(), bytes: z.number().int(), shards: z.number().int() });
export type CorpusTotals = z.infer<typeof CorpusTotals>;

/**
 * `manifest.json`: a build directory describes itself. Replaced atomically at every commit; it is the commit
 * point: a shard exists for readers of the build once it is listed here.
 */
export const Manifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  pipeline: z.string(),
  config: z.record(z.string(), z.unknown()),
  configHash: z.string(),
  codeVersion: z.string(),
  inputs: z.array(z.object({ name: z.string(), sha256: z.string() })),
  output: OutputConfig,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Commits so far (0: opened, nothing committed yet). */
  commits: z.number().int().min(0),
  shards: z.array(ShardEntry),
  totals: z.record(ShardKind, CorpusTotals),
  /** The engine's cumulative counters as of the last commit. */
  stats: z.record(z.string(), z.unknown()).nullable(),
  /** The final report, set by finish(). */
  report: z.record(z.string(), z.unknown()).nullable(),
  finished: z.boolean(),
});
export type Manifest = z.infer<typeof Manifest>;

