import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { corpusColumns, corpusParquetSchema } from '../src/sinks/parquet-schema.ts';
import { ParquetWriterPool } from '../src/sinks/parquet-writer-pool.ts';
import { zstdCompressor, zstdDecompress, zstdEncoderAvailable, zstdReady } from '../src/sinks/zstd.ts';
import { duckJson } from './support/duckdb-query.ts';
import { mulberry32 } from './support/seeded-random.ts';

/** Platforms the native addon ships a prebuilt binary for (its optional packages), glibc Linux here. */
const NATIVE_PLATFORM = (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) || process.platform === 'darwin';

/** CoT-like text: words from a small vocabulary with numbers and LaTeX, so zstd has repeats to find but not only repeats. */
function cotText(seed: number, chars: number): string {
  const r = mulberry32(seed);
  const words = ['so', 'the', 'sum', 'is', 'wait', 'let', 'me', 'check', '$x^2$', '\\frac{a}{b}', 'therefore', 'again', 'step', '=', 'value', 'roots', '思考', 'ثم'];
  let s = '';
  while (s.length < chars) s += `${words[Math.floor(r() * words.length)]}${r() < 0.1 ? ` ${Math.floor(r() * 1e4)}` : ''}${r() < 0.05 ? '\n\n' : ' '}`;
  return s;
}

test('the native zstd encoder loads where its addon ships, and its frames decode to the input with the size of the wasm frames', async () => {
  await zstdReady();
  const available = zstdEncoderAvailable();
  if (NATIVE_PLATFORM) assert.equal(available.encoder, 'native', `native zstd did not load: ${available.nativeError}`);
  if (available.encoder !== 'native') return;
  const page = new TextEncoder().encode(cotText(1, 1 << 20));
  for (const level of [1, 3]) {
    const native = zstdCompressor(level, 'native')(page);
    const wasm = zstdCompressor(level, 'wasm')(page);
    assert.deepEqual(zstdDecompress(native, page.length), page, `level ${level}: native frame round-trips`);
    assert.ok(native.length < page.length / 2, `level ${level}: compresses (${native.length} of ${page.length} bytes)`);
    assert.ok(Math.abs(native.length - wasm.length) <= wasm.length * 0.001, `level ${level}: native ${native.length} B vs wasm ${wasm.length} B`);
  }
  // Asking for an encoder by name where the other is the default.
  assert.equal(zstdCompressor(3)(page).length, zstdCompressor(3, 'native')(page).length);
});

test('writer threads use native zstd where it loads and fall back to wasm where it cannot: DuckDB reads the same rows from both', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-zstd-'));
  const schema = corpusParquetSchema('sft');
  const rows = Array.from({ length: 300 }, (_, i) => ({
    id: `p${i}:0`,
    prompt_id: `p${i}`,
    domain: i % 3 === 0 ? 'code' : 'math',
    source: 'test',
    messages: [
      { role: 'user', content: `Problem ${i}: ${cotText(1000 + i, 200)}` },
      { role: 'assistant', content: `<think>\n${cotText(i, 3000)}\n</think>\n\nThe answer is $\\boxed{${i}}$.` },
    ],
    prompt_tokens: 60,
    completion_tokens: 800 + i,
    reward: i % 2 ? 1 : null,
  }));
  const columns = corpusColumns('sft');
  const full = rows.map((r) => Object.fromEntries(columns.map((c) => [c, (r as Record<string, unknown>)[c] ?? null])));
  const write = async (file: string) => {
    const pool = new ParquetWriterPool({ workers: 1 });
    try {
      return await pool.writeShard(file, schema, [full.slice(0, 150), full.slice(150)]);
    } finally {
      await pool.close();
    }
  };
  const previous = process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
  try {
    const native = await write(path.join(dir, 'native.parquet'));
    // The addon's loader takes its binary from this variable when set: a missing file is an addon that cannot load.
    // A worker copies the environment when it starts, so only the second pool's thread sees it.
    process.env.NAPI_RS_NATIVE_LIBRARY_PATH = path.join(dir, 'no-such-addon.node');
    const wasm = await write(path.join(dir, 'wasm.parquet'));
    assert.equal(wasm.zstd, 'wasm');
    if (NATIVE_PLATFORM) assert.equal(native.zstd, 'native');
    assert.ok(Math.abs(native.bytes - wasm.bytes) <= wasm.bytes * 0.001, `native ${native.bytes} B vs wasm ${wasm.bytes} B`);
    const read = (name: string) => duckJson(`SELECT * FROM read_parquet('${path.join(dir, name)}') ORDER BY prompt_id`);
    const [a, b] = await Promise.all([read('native.parquet'), read('wasm.parquet')]);
    assert.equal(a.length, rows.length);
    assert.deepEqual(a, b);
    const messages = a.find((r) => r.prompt_id === 'p7')!.messages as { content: string }[];
    assert.equal(messages[1].content, rows[7].messages[1].content);
  } finally {
    if (previous === undefined) delete process.env.NAPI_RS_NATIVE_LIBRARY_PATH;
    else process.env.NAPI_RS_NATIVE_LIBRARY_PATH = previous;
    rmSync(dir, { recursive: true, force: true });
  }
});
