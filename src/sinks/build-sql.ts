import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Manifest, ShardKind } from './manifest.ts';

/** The corpora of a build, in the order reports list them. */
export const CORPORA = ['sft', 'distill', 'samples', 'prefs', 'quarantine'] as const;

/** A SQL string literal. */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** DuckDB's BIGINT comes back as bigint, NULL as null: a plain number either way. */
export const num = (v: unknown) => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : v == null ? 0 : Number(v));

export async function rows<T>(con: DuckDBConnection, sql: string): Promise<T[]> {
  return (await con.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

/**
 * Runs `queries` on an in-memory DuckDB instance of their own and closes it after: what the queries allocated is given
 * back then, not before. DuckDB is loaded on use: a build that never reads Parquet back does not load it.
 */
export async function withDuckDB<T>(config: Record<string, string>, queries: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await (await import('@duckdb/node-api')).DuckDBInstance.create(':memory:', config);
  const con = await db.connect();
  try {
    return await queries(con);
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/**
 * DuckDB table expressions over exactly the shards a build's manifest lists (never a directory glob: a file the
 * manifest does not list is not part of the build).
 */
export function buildSources(dir: string, m: Manifest) {
  const files = (corpus: ShardKind) => m.shards.filter((s) => s.corpus === corpus).map((s) => sqlString(join(dir, s.path)));
  return {
    files,
    has: (corpus: ShardKind) => m.shards.some((s) => s.corpus === corpus),
    /** A Parquet corpus; `extra` adds read_parquet options (e.g. `, filename = true`). */
    parquet: (corpus: Exclude<ShardKind, 'quarantine'>, extra = '') => `read_parquet([${files(corpus).join(', ')}]${extra})`,
    /** The quarantine's JSONL files, typed (a file of only some columns still reads). */
    quarantine: () => `read_json([${files('quarantine').join(', ')}], format = 'newline_delimited', columns = {file: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', raw: 'VARCHAR'})`,
  };
}

export interface CorpusCount {
  corpus: ShardKind;
  shards: number;
  /** Rows counted in the files. */
  rows: number;
  /** Rows the manifest says. */
  manifestRows: number;
  bytes: number;
}

/** Rows per corpus counted in the files, beside the manifest's totals (a difference means a damaged build). */
export async function corpusCounts(con: DuckDBConnection, m: Manifest, src: ReturnType<typeof buildSources>): Promise<CorpusCount[]> {
  const out: CorpusCount[] = [];
  for (const corpus of CORPORA) {
    const t = m.totals[corpus];
    let counted = 0;
    if (src.has(corpus)) {
      const from = corpus === 'quarantine' ? src.quarantine() : src.parquet(corpus);
      counted = num((await rows<{ n: bigint }>(con, `SELECT count(*) AS n FROM ${from}`))[0].n);
    }
    out.push({ corpus, shards: t.shards, rows: counted, manifestRows: t.rows, bytes: t.bytes });
  }
  return out;
}
