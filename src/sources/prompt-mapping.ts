import { createHash } from 'node:crypto';
import { Prompt } from '../../schemas/prompt.ts';
import type { ChatMessage } from '../../schemas/chat.ts';
import { canonicalJson } from '../../schemas/canonical-json.ts';

/**
 * Column mapping: how a raw row (JSONL object or Parquet row) becomes a Prompt. Without an explicit mapping the
 * common Hugging Face layouts are recognised, first match wins:
 *   `messages` (chat list; a trailing assistant turn becomes the reference when no reference column is given),
 *   `problem` / `answer` (MATH, NuminaMath; `solution` kept in meta),
 *   `question` / `answer` (GSM8K: the reference is the number after `####`, the full solution kept in meta),
 *   `prompt` / `reference` (also `prompt` / `answer`);
 * and in each, a `domain` column gives the row's domain when the source has no `domain` option.
 */
export interface ColumnMapping {
  /** Column holding the user prompt text. */
  prompt?: string;
  /** Column holding a chat list `[{role, content}]` (instead of `prompt`). */
  messages?: string;
  /** Column holding the reference answer. */
  reference?: string;
  /** Column holding the prompt id (else an id-like column, else a hash of the content). */
  id?: string;
  /** Column holding the domain (else the source's domain option). */
  domain?: string;
  /** Columns copied into `meta`. */
  meta?: string[];
}

export interface MappingOptions {
  mapping?: ColumnMapping;
  /** Domain of every prompt (unless the mapping names a domain column). Default "general". */
  domain?: string;
  /** System message prepended to every prompt. */
  system?: string;
  /** Source name written in every row. */
  source: string;
}

/** A row the mapping could not turn into a prompt: reason category (quarantine counts by it) and message. */
export class RowError extends Error {
  constructor(
    readonly category: 'missing-field' | 'wrong-type' | 'empty-prompt' | 'invalid-utf8' | 'no-reference' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** A string cell whose bytes were not valid UTF-8 (the Parquet reader marks them so the row is quarantined). */
export class InvalidUtf8 {
  constructor(readonly bytes: Uint8Array) {}
}

const ID_COLUMNS = ['id', 'uid', 'unique_id', 'problem_id', 'task_id', 'question_id', '_id'];

/** GSM8K solutions end with `#### <answer>`: the reference is what follows. */
export function gsm8kReference(answer: string): string | null {
  const m = /####\s*(.+?)\s*$/s.exec(answer);
  return m ? m[1].replace(/,(?=\d{3}\b)/g, '').trim() : null;
}

function cell(row: Record<string, unknown>, column: string, required: boolean): unknown {
  const v = row[column];
  if (v instanceof InvalidUtf8) throw new RowError('invalid-utf8', `column "${column}" is not valid UTF-8`);
  if ((v === undefined || v === null) && required) throw new RowError('missing-field', `missing field "${column}"`);
  return v ?? null;
}

function text(row: Record<string, unknown>, column: string, required = true): string | null {
  const v = cell(row, column, required);
  if (v === null) return null;
  if (typeof v !== 'string') throw new RowError('wrong-type', `field "${column}" must be a string, got ${Array.isArray(v) ? 'array' : typeof v}`);
  return v;
}

function chat(row: Record<string, unknown>, column: string): ChatMessage[] {
  const v = cell(row, column, true);
  if (!Array.isArray(v)) throw new RowError('wrong-type', `field "${column}" must be a list of {role, content}, got ${typeof v}`);
  return v.map((m, i) => {
    const r = m as Record<string, unknown> | null;
    if (!r || typeof r !== 'object') throw new RowError('wrong-type', `${column}[${i}] must be an object {role, content}`);
    if (r.content instanceof InvalidUtf8) throw new RowError('invalid-utf8', `${column}[${i}].content is not valid UTF-8`);
    if (typeof r.role !== 'string' || !['system', 'user', 'assistant'].includes(r.role)) {
      throw new RowError('wrong-type', `${column}[${i}].role must be "system", "user" or "assistant"`);
    }
    if (typeof r.content !== 'string') throw new RowError('wrong-type', `${column}[${i}].content must be a string`);
    return { role: r.role as ChatMessage['role'], content: r.content };
  });
}

/** Which layout a row has, when no explicit mapping is given. */
function detect(row: Record<string, unknown>): ColumnMapping & { gsm8k?: boolean } {
  if ('messages' in row) return { messages: 'messages', reference: 'reference' in row ? 'reference' : undefined };
  if ('problem' in row) return { prompt: 'problem', reference: 'answer' in row ? 'answer' : undefined, meta: ['solution'] };
  if ('question' in row) return { prompt: 'question', reference: 'answer', gsm8k: true };
  if ('prompt' in row) return { prompt: 'prompt', reference: 'reference' in row ? 'reference' : 'answer' in row ? 'answer' : undefined };
  throw new RowError('missing-field', 'no prompt column: expected "messages", "problem", "question" or "prompt" (or give a column mapping)');
}

/** Stable id of a prompt from its content, when the row has no id column. */
export function contentId(messages: readonly ChatMessage[], reference: string | null): string {
  return createHash('sha256').update(canonicalJson({ messages, reference })).digest('hex').slice(0, 16);
}

/** Map one raw row to a validated Prompt, or throw a RowError saying what is wrong. */
export function rowToPrompt(row: unknown, opts: MappingOptions): Prompt {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new RowError('wrong-type', `a row must be a JSON object, got ${Array.isArray(row) ? 'array' : row === null ? 'null' : typeof row}`);
  const r = row as Record<string, unknown>;
  const m: ColumnMapping & { gsm8k?: boolean } = opts.mapping ?? detect(r);
  const meta: Record<string, unknown> = {};

  let messages: ChatMessage[];
  let reference: string | null = m.reference ? text(r, m.reference, false) : null;
  if (m.messages) {
    messages = chat(r, m.messages);
    const last = messages[messages.length - 1];
    if (last?.role === 'assistant') {
      messages = messages.slice(0, -1);
      if (reference === null) reference = last.content;
    }
  } else if (m.prompt) {
    messages = [{ role: 'user', content: text(r, m.prompt)! }];
  } else {
    throw new RowError('invalid', 'column mapping must name "prompt" or "messages"');
  }
  if (messages.length === 0 || messages.every((x) => x.content.trim() === '') || messages[messages.length - 1].content.trim() === '') {
    throw new RowError('empty-prompt', 'the prompt text is empty');
  }
  if (opts.system && messages[0].role !== 'system') messages = [{ role: 'system', content: opts.system }, ...messages];

  if (m.gsm8k && reference !== null) {
    const n = gsm8kReference(reference);
    // Without `#### n` the whole worked solution would become the reference, and every sample would be judged against
    // prose: the row is quarantined instead.
    if (n === null || n === '') throw new RowError('no-reference', `GSM8K-style "answer" has no final "#### <number>" line to take the reference from: "${reference.slice(-60).replace(/\s+/g, ' ').trim()}"`);
    meta.solution = reference;
    reference = n;
  }
  for (const col of m.meta ?? []) {
    const v = r[col];
    if (v instanceof InvalidUtf8) throw new RowError('invalid-utf8', `column "${col}" is not valid UTF-8`);
    if (v !== undefined && v !== null) meta[col] = typeof v === 'bigint' ? Number(v) : v;
  }

  let id: string | null = null;
  const idColumn = m.id ?? ID_COLUMNS.find((c) => r[c] !== undefined && r[c] !== null);
  if (idColumn) {
    const v = cell(r, idColumn, true);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'bigint') throw new RowError('wrong-type', `id column "${idColumn}" must be a string or number`);
    id = String(v);
    if (id.trim() === '') throw new RowError('wrong-type', `id column "${idColumn}" is empty`);
  }
  let domain = opts.domain ?? 'general';
  if (m.domain) domain = text(r, m.domain) ?? domain;
  // A recognised layout with a `domain` column (the R1 prompt files): each row's domain, unless the source sets one.
  else if (!opts.mapping && opts.domain === undefined && r.domain !== undefined && r.domain !== null) domain = text(r, 'domain')!;

  const parsed = Prompt.safeParse({ id: id ?? contentId(messages, reference), messages, reference, domain, source: opts.source, meta });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RowError('invalid', `${issue.path.join('.') || '(row)'}: ${issue.message}`);
  }
  return parsed.data;
}
