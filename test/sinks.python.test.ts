/**
 * pyarrow and Hugging Face `datasets` read what the sinks write (the Python side of the corpus contract).
 * Python comes from /work/main-style `.venv` when present, else a venv this test makes (once, cached under the OS
 * temp dir) offline from the wheels in /opt/pypi; with neither, the test is skipped and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OutputConfig } from '../schemas/pipeline.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { readManifest } from '../src/sinks/manifest.ts';
import { chunkRows } from './support/corpus-rows.ts';

const exec = promisify(execFile);
const repoRoot = new URL('..', import.meta.url).pathname;
const WHEELS = '/opt/pypi/simple';

async function works(python: string): Promise<boolean> {
  try {
    await exec(python, ['-c', 'import datasets, pyarrow']);
    return true;
  } catch {
    return false;
  }
}

/** A Python with datasets + pyarrow, or the reason there is none. */
async function findPython(): Promise<{ python: string } | { skip: string }> {
  const local = join(repoRoot, '.venv/bin/python');
  if (existsSync(local) && (await works(local))) return { python: local };
  if (!existsSync(WHEELS)) return { skip: `no ${local} with datasets/pyarrow and no offline wheels at ${WHEELS}` };
  const venv = join(process.env.DISTILLERY_TEST_CACHE ?? tmpdir(), 'distillery-test-venv-datasets'); // kept between runs
  const python = join(venv, 'bin/python');
  if (existsSync(python) && (await works(python))) return { python };
  await exec('python3', ['-m', 'venv', venv]);
  const env = { ...process.env, PIP_INDEX_URL: `file://${WHEELS}`, PIP_EXTRA_INDEX_URL: 'file:///opt/pypi-more/simple', PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  await exec(python, ['-m', 'pip', 'install', '--quiet', 'datasets', 'pyarrow'], { env, maxBuffer: 1 << 26 });
  return (await works(python)) ? { python } : { skip: `could not install datasets/pyarrow into ${venv} from ${WHEELS}` };
}

const SCRIPT = `
import json, sys, glob
import pyarrow.parquet as pq
import datasets
d = sys.argv[1]
out = {"pyarrow": {}, "types": {}}
for c in ["sft", "distill", "samples", "prefs"]:
    t = pq.ParquetDataset(sorted(glob.glob(f"{d}/{c}/*.parquet"))).read()
    out["pyarrow"][c] = t.num_rows
    out["types"][c] = {f.name: str(f.type) for f in t.schema}
ds = datasets.load_dataset("parquet", data_files=f"{d}/sft/*.parquet", split="train")
feat = ds.features["messages"]
inner = getattr(feat, "feature", feat[0] if isinstance(feat, list) else feat)
out["hf_rows"] = ds.num_rows
out["hf_messages_feature"] = {k: v.dtype for k, v in inner.items()}
out["hf_messages_is_list"] = type(feat).__name__ in ("List", "Sequence", "list", "LargeList")
out["hf_first"] = sorted(ds, key=lambda r: r["prompt_id"])[0]["messages"]
print(json.dumps(out))
`;

test('pyarrow and HF datasets load the corpora; sft messages are a list of {role, content}', { timeout: 600_000 }, async (t) => {
  const found = await findPython();
  if ('skip' in found) {
    t.skip(found.skip);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'distillery-py-'));
  try {
    const store = openParquetBuildStore(dir, OutputConfig.parse({ shardRows: 9 }), { workers: 1 });
    await store.open({ pipeline: 'py-test', config: {}, configHash: 'p'.repeat(64), codeVersion: 'test', inputs: [] });
    const chunk = chunkRows(0, 20, { k: 3, meanChars: 300 });
    chunk.sft[0].messages = [
      { role: 'system', content: 'sé 😀 数学' },
      ...chunk.sft[0].messages,
    ];
    await store.commit(chunk, {});
    await store.close();
    const m = (await readManifest(dir))!;
    const { stdout } = await exec(found.python, ['-c', SCRIPT, dir], { maxBuffer: 1 << 26, env: { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HOME: join(dir, '.hf') } });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
    for (const c of ['sft', 'distill', 'samples', 'prefs'] as const) assert.equal(r.pyarrow[c], m.totals[c].rows, `${c} rows in pyarrow`);
    assert.equal(r.types.sft.messages, 'list<element: struct<role: string, content: string>>');
    assert.equal(r.types.sft.prompt_tokens, 'int64');
    assert.equal(r.types.samples.accepted, 'bool');
    assert.equal(r.types.samples.pass_rate, 'double');
    assert.equal(r.types.distill.verdicts, 'list<element: struct<judge: string, verdict: string, category: string, score: double, reason: string, detail_json: string>>');
    assert.equal(r.hf_rows, 20);
    assert.equal(r.hf_messages_is_list, true);
    assert.deepEqual(r.hf_messages_feature, { role: 'string', content: 'string' });
    assert.deepEqual(r.hf_first, chunk.sft[0].messages);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
