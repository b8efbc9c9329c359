import { z } from 'zod';
import { GenerationConfig } from './generation.ts';

/** Output shaping: how shards are rolled and how often the build commits. */
export const OutputConfig = z.object({
  /** Roll a shard after this many rows (per corpus). */
  shardRows: z.number().int().min(1).default(50_000),
  /** ... or after this many bytes of row text (approximate, per corpus). */
  shardBytes: z.number().int().min(1024).default(256 * 1024 * 1024),
  /** Commit at least this often (seconds) so a crash loses little work with slow backends. */
  commitEverySeconds: z.number().min(0).default(60),
  /** Parquet row group size bound in bytes of row text. */
  rowGroupBytes: z.number().int().min(1024).default(32 * 1024 * 1024),
});
export type OutputConfig = z.infer<typeof OutputConfig>;

/** The plain-data part of a pipeline definition (validated with zod; objects like backends are checked apart). */
export const PipelineOptions = z.object({
  name: z.string().min(1).regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" or "-"'),
  generation: GenerationConfig.default(GenerationConfig.parse({})),
  output: OutputConfig.default(OutputConfig.parse({})),
  /** Drop prompts whose normalised text was already seen. */
  dedupe: z.boolean().default(true),
  /** Reject a prompt row larger than this (bytes of JSON). */
  maxPromptBytes: z.number().int().min(1).default(1 << 20),
});
export type PipelineOptions = z.infer<typeof PipelineOptions>;
