import type { DistillRecord, PrefRecord, QuarantineRecord, SampleRecord, SftRecord } from '../../schemas/records.ts';

/** Rows of one commit: everything produced for a set of whole prompts (a prompt never spans two commits). */
export interface ChunkRows {
  sft: SftRecord[];
  distill: DistillRecord[];
  samples: SampleRecord[];
  prefs: PrefRecord[];
  quarantine: QuarantineRecord[];
}

/** Identity of a build, recorded in the manifest and checked on resume. */
export interface BuildIdentity {
  pipeline: string;
  /** The pipeline config as JSON (sources, backend, generation, judges, selection descriptors). */
  config: Record<string, unknown>;
  configHash: string;
  codeVersion: string;
  inputs: { name: string; sha256: string }[];
}

/** How a build may open a directory that holds earlier work. */
export interface OpenOptions {
  /**
   * Resume although an input's digest differs from the manifest's (prompts added, removed or edited): the build
   * goes on by prompt id. Without it such a directory is refused, naming the input.
   */
  allowInputChange?: boolean;
}

/** An input whose content changed since the build's last commit. */
export interface InputChange {
  name: string;
  was: string | null;
  now: string | null;
}

/** What a resumed build already has: skip these. */
export interface ResumeState {
  /** Prompt ids whose rows are committed (a Set, or the compact PromptIdSet). */
  donePromptIds: { has(id: string): boolean; readonly size: number };
  /** "file:line" of quarantined rows already committed. */
  doneQuarantine: Set<string>;
  /** Commits found (0 on a fresh directory). */
  commits: number;
  /** Cumulative stats recorded by the last commit (null on a fresh directory), so counters continue. */
  stats: Record<string, unknown> | null;
  /** Inputs that changed since the last commit (only with allowInputChange; empty otherwise). */
  inputChanges?: InputChange[];
}

/**
 * The output directory of a build. Commit protocol: shard files are written under temporary names, fsynced,
 * renamed into `<corpus>/`, and only then recorded in `manifest.json` (itself replaced atomically): the manifest
 * is the commit point. `open` removes temporary files and shards the manifest does not list (a crash between
 * rename and manifest write), refuses a directory with commits built with another config hash (naming the fields
 * that differ) or from inputs that changed (unless allowed), and returns what is done. A directory with no
 * commit holds nothing to lose: any config may take it.
 */
export interface BuildStore {
  readonly dir: string;
  open(identity: BuildIdentity, options?: OpenOptions): Promise<ResumeState>;
  /** `stats` are the engine's cumulative counters after this chunk; they are stored with the commit. */
  commit(rows: ChunkRows, stats: Record<string, unknown>): Promise<void>;
  /** Final totals and report into the manifest; dataset card. */
  finish(report: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
