import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputConfig } from '../schemas/pipeline.ts';
import { CORPORA, type CorpusName } from '../schemas/records.ts';
import type { BuildIdentity, ChunkRows } from '../src/sinks/build-store.ts';
import { openParquetBuildStore, type CommitStep } from '../src/sinks/parquet-build-store.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { FREE_TEXT_COLUMNS } from '../src/sinks/parquet-worker.ts';
import { chunkRows } from './support/corpus-rows.ts';
import { duckObjects as duck } from './support/duckdb-query.ts';

const identity = (hash = 'h'.repeat(64)): BuildIdentity => ({
  pipeline: 'sinks-test',
  config: { name: 'sinks-test', k: 2 },
  configHash: hash,
  codeVersion: 'test',
  inputs: [{ name: 'prompts.jsonl', sha256: 'a'.repeat(64) }],
});
// Small bounds so a commit is split into several shards and row groups.
const output = OutputConfig.parse({ shardRows: 7, shardBytes: 200_000, rowGroupBytes: 20_000 });
const CORPUS_LIST = Object.keys(CORPORA) as CorpusName[];

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'distillery-sinks-'));
}

/** The DuckDB type a zod field should read as: the same mapping as src/sinks/parquet-schema.ts, written from DuckDB's side. */
function expectedDuckType(field: unknown): string {
  let t = field as { _zod: { def: { type: string; innerType?: unknown; element?: unknown } }; isInt?: boolean; shape?: Record<string, unknown> };
  while (t._zod.def.type === 'nullable' || t._zod.def.type === 'default' || t._zod.def.type === 'optional') t = t._zod.def.innerType as typeof t;
  switch (t._zod.def.type) {
    case 'string':
    case 'enum':
      return 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'number':
      return t.isInt ? 'BIGINT' : 'DOUBLE';
    case 'array':
      return `${expectedDuckType(t._zod.def.element)}[]`;
    case 'object':
      return `STRUCT(${Object.entries(t.shape!).map(([k, v]) => `${k} ${expectedDuckType(v)}`).join(', ')})`;
    default:
      throw new Error(t._zod.def.type);
  }
}

test('DuckDB reads every corpus the store writes, counts equal the manifest, types are native', async () => {
  const dir = await tempDir();
  try {
    const store = openParquetBuildStore(dir, output);
    const resume = await store.open(identity());
    assert.equal(resume.commits, 0);
    assert.equal(resume.donePromptIds.size, 0);
    const a = chunkRows(0, 10, { k: 4, meanChars: 800 });
    a.quarantine.push({ file: 'in.jsonl', line: 3, reason: 'invalid JSON', raw: '{oops' });
    await store.commit(a, { prompts: 10 });
    await store.commit(chunkRows(10, 25, { k: 4, meanChars: 800 }), { prompts: 25 });
    await store.finish({ ok: true });
    await store.close();

    const m = (await readManifest(dir))!;
    assert.equal(m.commits, 2);
    assert.equal(m.finished, true);
    assert.deepEqual(m.stats, { prompts: 25 });
    assert.equal(m.totals.sft.rows, 25);
    assert.equal(m.totals.samples.rows, 100);
    assert.ok(m.totals.samples.shards > 2, 'small shardRows splits a commit into several shards');
    assert.equal(m.totals.quarantine.rows, 1);
    for (const c of CORPUS_LIST) {
      const [{ n }] = await duck<{ n: bigint }>(`SELECT count(*) AS n FROM read_parquet('${dir}/${c}/*.parquet')`);
      assert.equal(Number(n), m.totals[c].rows, `${c} rows`);
      const described = await duck<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM read_parquet('${dir}/${c}/*.parquet')`);
      const expected = Object.entries(CORPORA[c].shape).map(([k, v]) => [k, expectedDuckType(v)]);
      assert.deepEqual(described.map((d) => [d.column_name, d.column_type.replaceAll('"', '')]), expected, `${c} column types`);
    }
    const [{ n: distinctKeys }] = await duck<{ n: bigint }>(`SELECT count(DISTINCT key) AS n FROM read_parquet('${dir}/samples/*.parquet')`);
    assert.equal(Number(distinctKeys), 100);
    const [row] = await duck<{ role: string; verdict: string }>(
      `SELECT messages[2].role AS role, verdicts[2].verdict AS verdict FROM read_parquet('${dir}/sft/*.parquet') s JOIN read_parquet('${dir}/samples/*.parquet') x ON s.id = x.key LIMIT 1`,
    );
    assert.deepEqual(row, { role: 'assistant', verdict: 'pass' });
    const files = (await readdir(join(dir, 'samples'))).sort();
    assert.deepEqual(files, m.shards.filter((s) => s.corpus === 'samples').map((s) => s.path.slice('samples/'.length)).sort());

    // Reopen: the resume state comes back from the committed files.
    const again = openParquetBuildStore(dir, output);
    const r = await again.open(identity());
    await again.close();
    assert.equal(r.commits, 2);
    assert.equal(r.donePromptIds.size, 25);
    assert.ok(r.donePromptIds.has('p0000024'));
    assert.deepEqual([...r.doneQuarantine], ['in.jsonl:3']);
    assert.deepEqual(r.stats, { prompts: 25 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a directory built with another config is refused with what to do', async () => {
  const dir = await tempDir();
  try {
    const store = openParquetBuildStore(dir, output);
    await store.open(identity('1'.repeat(64)));
    await store.commit(chunkRows(0, 2, { meanChars: 100 }), {});
    await store.close();
    const other = openParquetBuildStore(dir, output);
    await assert.rejects(other.open(identity('2'.repeat(64))), (err: Error) => {
      assert.equal(err.name, 'ConfigError');
      assert.match(err.message, /config hash/);
      assert.match(err.message, /new --out directory, or delete/);
      return true;
    });
    await other.close();
    assert.equal((await readManifest(dir))!.commits, 1, 'the refused open changed nothing');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('unicode and large text round-trip exactly through DuckDB', async () => {
  const dir = await tempDir();
  try {
    const chunk: ChunkRows = chunkRows(0, 3, { meanChars: 100 });
    const weird = ['héllo wörld', '数学题：求 x² + y² = 1 的解', '😀👩‍👩‍👧‍👦 ZWJ family', 'e\u0301 combining', 'tab\tnew\nline\r\n', '\u202eRTL override', 'null\u0000byte', ''];
    const big = 'ℵ'.repeat(300_000) + 'x'.repeat(3_000_000) + '𝔽'.repeat(200_000);
    chunk.sft[0].messages = weird.map((content, i) => ({ role: i % 2 ? 'assistant' : 'user', content }));
    chunk.sft[1].messages = [{ role: 'assistant', content: big }];
    const store = openParquetBuildStore(dir, output);
    await store.open(identity());
    await store.commit(chunk, {});
    await store.close();
    const rows = await duck<{ prompt_id: string; messages: { role: string; content: string }[] }>(
      `SELECT prompt_id, messages FROM read_parquet('${dir}/sft/*.parquet') ORDER BY prompt_id`,
    );
    assert.deepEqual(rows[0].messages.map((m) => m.content), weird);
    assert.equal(rows[1].messages[0].content.length, big.length);
    assert.ok(rows[1].messages[0].content === big, 'large text identical');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a crash after any commit step leaves a directory that open() restores; resuming gives exactly the rows', async () => {
  // Count the steps of commit B (on top of A), then fail at each one in turn.
  const a = () => chunkRows(0, 6, { meanChars: 300 });
  const b = () => chunkRows(6, 12, { meanChars: 300 });
  const probe = await tempDir();
  const steps: CommitStep[] = [];
  {
    const s = openParquetBuildStore(probe, output, { workers: 1 });
    await s.open(identity());
    await s.commit(a(), {});
    await s.close();
    const t = openParquetBuildStore(probe, output, { workers: 1, onCommitStep: (st) => void steps.push(st) });
    await t.open(identity());
    await t.commit(b(), {});
    await t.close();
    await rm(probe, { recursive: true, force: true });
  }
  assert.ok(steps.includes('manifest-renamed') && steps.length >= 6, `steps: ${steps.join(',')}`);
  for (let failAt = 0; failAt < steps.length; failAt++) {
    const dir = await tempDir();
    try {
      const first = openParquetBuildStore(dir, output, { workers: 1 });
      await first.open(identity());
      await first.commit(a(), { prompts: 6 });
      await first.close();

      let n = 0;
      const crashing = openParquetBuildStore(dir, output, {
        workers: 1,
        onCommitStep: () => {
          if (n++ === failAt) throw new Error(`simulated crash at step ${failAt} (${steps[failAt]})`);
        },
      });
      await crashing.open(identity());
      await assert.rejects(crashing.commit(b(), { prompts: 12 }), /simulated crash/);
      await assert.rejects(crashing.commit(b(), { prompts: 12 }), /earlier commit failed/);
      await crashing.close();

      const resumed = openParquetBuildStore(dir, output, { workers: 1 });
      const state = await resumed.open(identity());
      // The commit point is the manifest rename: before it, B is not there; after it, B is.
      const committed = steps[failAt] === 'manifest-renamed';
      assert.equal(state.commits, committed ? 2 : 1, `fail at ${steps[failAt]}`);
      assert.equal(state.donePromptIds.size, committed ? 12 : 6);
      const m = (await readManifest(dir))!;
      for (const c of [...CORPUS_LIST, 'quarantine']) {
        const onDisk = (await readdir(join(dir, c)).catch(() => [] as string[])).sort();
        assert.deepEqual(onDisk, m.shards.filter((s) => s.corpus === c).map((s) => s.path.split('/')[1]).sort(), `${c} files equal the manifest`);
      }
      assert.deepEqual(await readdir(join(dir, '.tmp')).catch(() => []), []);
      if (!committed) await resumed.commit(b(), { prompts: 12 });
      await resumed.close();
      const keys = await duck<{ key: string }>(`SELECT key FROM read_parquet('${dir}/samples/*.parquet') ORDER BY key`);
      const expected = [...a().samples, ...b().samples].map((s) => s.key).sort();
      assert.deepEqual(keys.map((k) => k.key), expected, 'no row lost, none duplicated');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
});

test('free-text columns are written PLAIN without statistics; the other columns keep dictionaries and statistics', async () => {
  const corpusOf = new Map<string, CorpusName[]>();
  for (const c of CORPUS_LIST) for (const k of Object.keys(CORPORA[c].shape)) corpusOf.set(k, [...(corpusOf.get(k) ?? []), c]);
  for (const name of FREE_TEXT_COLUMNS) assert.ok(corpusOf.has(name), `FREE_TEXT_COLUMNS names "${name}", which no corpus has`);
  const dir = await tempDir();
  try {
    const store = openParquetBuildStore(dir, output, { workers: 1 });
    await store.open(identity());
    await store.commit(chunkRows(0, 8, { k: 4, meanChars: 800 }), {});
    await store.close();
    for (const c of CORPUS_LIST) {
      const chunks = await duck<{ path: string; encodings: string; min: string | null; nulls: bigint | null }>(
        `SELECT path_in_schema AS path, encodings, stats_min_value AS min, stats_null_count AS nulls FROM parquet_metadata('${dir}/${c}/*.parquet')`,
      );
      assert.ok(chunks.length > 0, c);
      const dictionaryEncoded = new Set<string>();
      for (const k of chunks) {
        const top = k.path.split(', ')[0];
        if (FREE_TEXT_COLUMNS.has(top)) {
          assert.ok(!k.encodings.includes('DICTIONARY'), `${c}.${k.path}: ${k.encodings}`);
          assert.equal(k.min, null, `${c}.${k.path} has no min/max`);
          assert.equal(k.nulls, null, `${c}.${k.path} has no statistics`);
        } else {
          assert.notEqual(k.nulls, null, `${c}.${k.path} keeps its statistics`);
        }
        if (top === 'prompt_id' || top === 'id' || top === 'key') assert.notEqual(k.min, null, `${c}.${k.path} keeps min/max`);
        if (k.encodings.includes('RLE_DICTIONARY')) dictionaryEncoded.add(top);
      }
      // `source` is one value in every row: a dictionary pays wherever a shard has a few rows.
      if ('source' in CORPORA[c].shape) assert.ok(dictionaryEncoded.has('source'), `${c}.source is dictionary-encoded`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('manifest lists sha256 that match the files', async () => {
  const dir = await tempDir();
  try {
    const store = openParquetBuildStore(dir, output, { card: (m) => `# ${m.pipeline}\n\n${m.totals.sft.rows} SFT rows\n` });
    await store.open(identity());
    await store.commit(chunkRows(0, 4, { meanChars: 200 }), {});
    await store.finish({ done: 1 });
    await store.close();
    const m = (await readManifest(dir))!;
    const { createHash } = await import('node:crypto');
    for (const s of m.shards) assert.equal(createHash('sha256').update(await readFile(join(dir, s.path))).digest('hex'), s.sha256, s.path);
    assert.equal(await readFile(join(dir, 'README.md'), 'utf8'), '# sinks-test\n\n4 SFT rows\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
