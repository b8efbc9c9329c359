import type { QuarantineRecord } from '../../schemas/records.ts';
import type { SourceItem } from './source.ts';

/** Raw text kept with a quarantined row (enough to see what was wrong, bounded so one huge row stays small). */
export const QUARANTINE_RAW_CHARS = 2048;

/** Reason categories, the first word of every quarantine reason (the report counts by it). */
export type QuarantineCategory =
  | 'invalid-json'
  | 'invalid-utf8'
  | 'empty'
  | 'empty-prompt'
  | 'too-large'
  | 'missing-field'
  | 'wrong-type'
  | 'duplicate-id'
  | 'no-reference'
  | 'invalid';

export function quarantineItem(file: string, line: number, category: QuarantineCategory, message: string, raw: string): SourceItem {
  const record: QuarantineRecord = { file, line, reason: `${category}: ${message}`, raw: raw.length > QUARANTINE_RAW_CHARS ? raw.slice(0, QUARANTINE_RAW_CHARS) + '…' : raw };
  return { kind: 'quarantine', record };
}

/** The category of a quarantine reason ("too-large: 2.1 MB > 1 MB" → "too-large"). */
export function quarantineCategory(reason: string): string {
  const i = reason.indexOf(':');
  return i > 0 ? reason.slice(0, i) : reason;
}
