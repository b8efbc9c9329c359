import type { Prompt } from '../../schemas/prompt.ts';
import type { QuarantineRecord } from '../../schemas/records.ts';

/** A source yields validated prompts, and the rows it could not accept (with file, line and reason). */
export type SourceItem = { kind: 'prompt'; prompt: Prompt } | { kind: 'quarantine'; record: QuarantineRecord };

export interface Source {
  readonly name: string;
  /** JSON-serialisable identity (path, mapping, options); part of the pipeline config hash. */
  describe(): Record<string, unknown>;
  /** sha256 of the input bytes, recorded in the manifest as the input digest. */
  digest(): Promise<string>;
  read(): AsyncIterable<SourceItem>;
}
