import type { Prompt } from '../../schemas/prompt.ts';
import type { QuarantineRecord } from '../../schemas/records.ts';

/** A source yields validated prompts, and the rows it could not accept (with file, line and reason). */
/** `at` (optional, additive) says where a prompt came from, so the engine can quarantine it later (e.g. a reused id). */
export type SourceItem = { kind: 'prompt'; prompt: Prompt; at?: { file: string; line: number } } | { kind: 'quarantine'; record: QuarantineRecord };

/** What the engine passes to `read` (additive: a source may ignore it). */
export interface SourceReadOptions {
  /** Quarantine a row larger than this many bytes (the pipeline's maxPromptBytes). */
  maxPromptBytes?: number;
  /** The build was asked to stop: a source that reads ahead (a planned filter's first pass) gives up early. */
  signal?: AbortSignal;
  /**
   * Told as a planned filter's first pass reads the inputs (every FIRST_PASS_REPORT_EVERY prompts and at its end), so
   * a build can show progress before its first sample.
   */
  onFirstPass?: (stage: string, promptsRead: number) => void;
}

export interface Source {
  readonly name: string;
  /** JSON-serialisable identity (path, mapping, options); part of the pipeline config hash. */
  describe(): Record<string, unknown>;
  /** sha256 of the input bytes, recorded in the manifest as the input digest. */
  digest(): Promise<string>;
  read(options?: SourceReadOptions): AsyncIterable<SourceItem>;
  /** Number of rows in the input (an upper bound of the prompts), when cheap to know: lets progress show an ETA. */
  count?(): Promise<number>;
}
