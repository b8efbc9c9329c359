import { z } from 'zod';
import { GenerationConfig } from './generation.ts';

/** Output shaping: how shards are rolled and how often the build commits. */
export const OutputConfig = z.strictObject({
  /** Roll a shard after this many rows (per corpus). */
  shardRows: z.number().int().min(1).default(50_000),
  /** ... or after this many bytes of row text (approximate, per corpus). */
  shardBytes: z.number().int().min(1024).default(256 * 1024 * 1024),
  /** Commit at least this often (seconds) so a crash loses little work with slow backends. */
  commitEverySeconds: z.number().min(0).default(60),
  /**
   * Parquet row group size bound in bytes of row text. A writer thread holds one row group (rows, encoded columns,
   * compressed pages) at a time, so this bounds its memory: 8 MiB instead of 32 cut the scale build's peak RSS by
   * ~130 MB (958 → 828 MB at 20k examples). 8 MiB is ~2,000 rows of 4 KB CoT: plenty for DuckDB and pyarrow scans.
   */
  rowGroupBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
});
export type OutputConfig = z.infer<typeof OutputConfig>;

/**
 * Target-driven sampling: sample a prompt in rounds until it has `accepted` accepted samples or has used
 * `budget` samples (src/pipeline/target-sampling.ts). Without it, every prompt gets exactly `generation.k`.
 */
export const TargetSampling = z.strictObject({
  /** Accepted samples wanted per prompt (m). */
  accepted: z.number().int().min(1),
  /** Most samples spent on one prompt. */
  budget: z.number().int().min(1).max(1024),
  /** Samples per round (default: generation.k). */
  round: z.number().int().min(1).max(1024).optional(),
});
export type TargetSampling = z.infer<typeof TargetSampling>;

/** Per-domain quotas of selected examples (sft rows): a domain stops taking prompts once its quota is met. */
export const DomainQuotas = z.record(z.string(), z.number().int().min(0));
export type DomainQuotas = z.infer<typeof DomainQuotas>;

/** The plain-data part of a pipeline definition (validated with zod; objects like backends are checked apart). */
export const PipelineOptions = z.strictObject({
  name: z.string().min(1).regex(/^[\w.-]+$/, 'use letters, digits, ".", "_" or "-"'),
  generation: GenerationConfig.default(GenerationConfig.parse({})),
  output: OutputConfig.default(OutputConfig.parse({})),
  /** Drop prompts whose normalised text was already seen. */
  dedupe: z.boolean().default(true),
  /** Reject a prompt row larger than this (bytes of JSON). */
  maxPromptBytes: z.number().int().min(1).default(1 << 20),
  /** Target-driven sampling instead of a fixed k (optional, additive). */
  target: TargetSampling.optional(),
  /** Per-domain quotas of selected examples (optional, additive). */
  quotas: DomainQuotas.optional(),
});
export type PipelineOptions = z.infer<typeof PipelineOptions>;
