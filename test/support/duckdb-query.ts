import { DuckDBInstance, type DuckDBResultReader } from '@duckdb/node-api';

/** Run one query in a fresh in-memory DuckDB (tests read the shards as users do) and close it. */
async function query<T>(sql: string, read: (r: DuckDBResultReader) => T | Promise<T>): Promise<T> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    return await read(await con.runAndReadAll(sql));
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** Rows as arrays of DuckDB values (BIGINT as bigint). */
export const duckRows = (sql: string): Promise<unknown[][]> => query(sql, (r) => r.getRows() as unknown[][]);

/** Rows as objects of JS values (BIGINT as bigint, lists as arrays, structs as objects). */
export const duckObjects = <T = Record<string, unknown>>(sql: string): Promise<T[]> => query(sql, (r) => r.getRowObjectsJS() as T[]);

/** Rows as JSON-safe objects (BIGINT as number or string): for comparing and printing. */
export const duckJson = <T = Record<string, unknown>>(sql: string): Promise<T[]> => query(sql, async (r) => (await r.getRowObjectsJson()) as T[]);
