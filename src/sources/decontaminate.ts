import { checkOptionKeys } from '../config/strict-options.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { filterSources, userText, type FilteredSource, type PromptFilter } from './prompt-filter-stage.ts';
import type { Source } from './source.ts';

/** An evaluation set given as a file: JSONL (optionally .gz) or a JSON array of objects. */
export interface EvalFile {
  path: string;
  /** Field holding the evaluation text; default: the first of problem, question, prompt, input, text found. */
  field?: string;
  /** Field holding the item id; default: the first of unique_id, task_id, id, idx found, else the 1-based line. */
  idField?: string;
  /** Name in reasons; default: the file's base name. */
  name?: string;
}

export interface DecontaminateOptions {
  evals: readonly (string | EvalFile)[];
  /** Word n-gram size: 8 as open-r1 by default; 13 is the GPT-3 / open-r1 alternative. */
  ngram?: number;
  /**
   * Evaluation items shorter than `ngram` words have no n-gram and can never match by overlap (open-r1's
   * behaviour); with this on (default) a prompt whose whole normalised text equals such an item is flagged too.
   */
  matchShortExactly?: boolean;
}

const TEXT_FIELDS = ['problem', 'question', 'prompt', 'input', 'text'];
const ID_FIELDS = ['unique_id', 'task_id', 'id', 'idx'];

/** open-r1's normalisation (scripts/decontaminate.py): lower case, trim, collapse whitespace; words split on it. */
export function normalizeForOverlap(text: string): string {
  return text.toLowerCase().trim().split(/\s+/u).filter(Boolean).join(' ');
}

/** Word n-grams of an already normalised text. */
export function wordNgrams(normalized: string, n: number): string[] {
  const words = normalized ? normalized.split(' ') : [];
  const out: string[] = [];
  for (let i = 0; i + n <= words.length; i++) out.push(words.slice(i, i + n).join(' '));
  return out;
}

/** Where an evaluation n-gram comes from. */
export interface EvalRef {
  file: string;
  id: string;
}

export interface Contamination {
  eval: EvalRef;
  /** The first overlapping n-gram (normalised), or the whole text for a short exact match. */
  ngram: string;
  /** Overlapping n-grams of the prompt with any evaluation item. */
  overlaps: number;
  match: 'ngram' | 'exact';
}

/** The lookup of every evaluation n-gram (first occurrence wins) and of the short items' whole texts. */
export class EvalNgramIndex {
  readonly ngrams = new Map<string, EvalRef>();
  readonly shortTexts = new Map<string, EvalRef>();
  items = 0;
  constructor(readonly n: number, readonly matchShortExactly: boolean) {}

  add(text: string, ref: EvalRef): void {
    this.items++;
    const norm = normalizeForOverlap(text);
    const grams = wordNgrams(norm, this.n);
    if (grams.length === 0) {
      if (this.matchShortExactly && norm && !this.shortTexts.has(norm)) this.shortTexts.set(norm, ref);
      return;
    }
    for (const g of grams) if (!this.ngrams.has(g)) this.ngrams.set(g, ref);
  }

  check(text: string): Contamination | null {
    const norm = normalizeForOverlap(text);
    let first: { ref: EvalRef; ngram: string } | null = null;
    let overlaps = 0;
    for (const g of wordNgrams(norm, this.n)) {
      const ref = this.ngrams.get(g);
      if (!ref) continue;
      overlaps++;
      first ??= { ref, ngram: g };
    }
    if (first) return { eval: first.ref, ngram: first.ngram, overlaps, match: 'ngram' };
    const exact = this.shortTexts.get(norm);
    return exact ? { eval: exact, ngram: norm, overlaps: 0, match: 'exact' } : null;
  }
}

function pick(row: Record<string, unknown>, wanted: string | undefined, defaults: string[]): string | undefined {
  if (wanted) return wanted in row ? wanted : undefined;
  return defaults.find((f) => f in row);
}

async function readEvalRows(file: string): Promise<{ rows: Record<string, unknown>[]; bytes: Buffer }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new Error(`decontaminate: cannot read evaluation file ${file}: ${(e as Error).message}`);
  }
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    const arr = JSON.parse(trimmed) as unknown;
    if (!Array.isArray(arr)) throw new Error(`decontaminate: ${file}: expected a JSON array of objects`);
    return { rows: arr as Record<string, unknown>[], bytes };
  }
  const rows: Record<string, unknown>[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch (e) {
      throw new Error(`decontaminate: ${file}:${i + 1}: not valid JSON (${(e as Error).message}); fix or remove the line`);
    }
  });
  return { rows, bytes };
}

/** Load evaluation files into an index, and return the sha256 of their bytes (for the input digest). */
export async function loadEvalIndex(evals: readonly (string | EvalFile)[], n = 8, matchShortExactly = true): Promise<{ index: EvalNgramIndex; digests: { file: string; sha256: string }[] }> {
  const index = new EvalNgramIndex(n, matchShortExactly);
  const digests: { file: string; sha256: string }[] = [];
  for (const spec of evals) {
    const ev: EvalFile = typeof spec === 'string' ? { path: spec } : spec;
    const name = ev.name ?? path.basename(ev.path);
    const { rows, bytes } = await readEvalRows(ev.path);
    digests.push({ file: name, sha256: createHash('sha256').update(bytes).digest('hex') });
    rows.forEach((row, i) => {
      const textField = pick(row, ev.field, TEXT_FIELDS);
      if (!textField || typeof row[textField] !== 'string') {
        throw new Error(`decontaminate: ${ev.path}: row ${i + 1} has no text field ${ev.field ? `"${ev.field}"` : `(looked for ${TEXT_FIELDS.join(', ')})`}; set { field } for this file`);
      }
      const idField = pick(row, ev.idField, ID_FIELDS);
      const id = idField !== undefined && row[idField] !== undefined && row[idField] !== null ? String(row[idField]) : String(i + 1);
      index.add(row[textField] as string, { file: name, id });
    });
  }
  return { index, digests };
}

/**
 * The decontamination filter: a prompt whose user turns share a word n-gram with an evaluation item is dropped
 * as a quarantine item with reason `contaminated: <eval file>:<id> (8-gram "…")`.
 */
export function decontaminateFilter(options: DecontaminateOptions): PromptFilter {
  const n = options.ngram ?? 8;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`decontaminate: ngram must be a positive integer, got ${options.ngram}`);
  if (!options.evals?.length) throw new Error('decontaminate: give at least one evaluation file in { evals }');
  const matchShort = options.matchShortExactly ?? true;
  const specs = options.evals.map((e) => (typeof e === 'string' ? { path: e } : e));
  let loaded: ReturnType<typeof loadEvalIndex> | null = null;
  const load = () => (loaded ??= loadEvalIndex(specs, n, matchShort));
  return {
    name: 'decontaminate',
    // Paths are described by base name so a build is reproducible from another checkout; the digest pins bytes.
    describe: () => ({ ngram: n, matchShortExactly: matchShort, evals: specs.map((e) => ({ ...e, path: path.basename(e.path) })) }),
    async digest() {
      const { digests } = await load();
      return createHash('sha256').update(JSON.stringify(digests)).digest('hex');
    },
    async start() {
      const { index } = await load();
      return (prompt) => {
        const hit = index.check(userText(prompt));
        if (!hit) return { keep: true };
        const what = hit.match === 'exact' ? 'exact text' : `${n}-gram "${hit.ngram}"`;
        return {
          keep: false,
          reason: `contaminated: ${hit.eval.file}:${hit.eval.id} (${what})`,
          detail: { eval_file: hit.eval.file, eval_id: hit.eval.id, ngram: hit.ngram, ngram_size: n, overlaps: hit.overlaps, match: hit.match },
        };
      };
    },
  };
}

/** Decontamination of one or more sources against evaluation files, as a Source. */
export function decontaminate(inputs: Source | readonly Source[], options: DecontaminateOptions): FilteredSource {
  checkOptionKeys('decontaminate', options, ['evals', 'ngram', 'matchShortExactly']);
  return filterSources(decontaminateFilter(options), inputs);
}
