import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorpusTotals, Manifest, MANIFEST_FILE, MANIFEST_FORMAT, ShardEntry, ShardKind } from '../../schemas/manifest.ts';
import { writeFileAtomic } from './durable-fs.ts';

// The schema lives on the ground floor (schemas/manifest.ts); readers of a build find it here too.
export { CorpusTotals, Manifest, MANIFEST_FILE, MANIFEST_FORMAT, ShardEntry, ShardKind };

export function totalsOf(shards: ShardEntry[]): Manifest['totals'] {
  const totals = Object.fromEntries(ShardKind.options.map((k) => [k, { rows: 0, bytes: 0, shards: 0 }])) as Manifest['totals'];
  for (const s of shards) {
    const t = totals[s.corpus];
    t.rows += s.rows;
    t.bytes += s.bytes;
    t.shards += 1;
  }
  return totals;
}

/** Read and validate `DIR/manifest.json`; null when there is none. */
export async function readManifest(dir: string): Promise<Manifest | null> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message}); the build directory is damaged: delete it or use another --out`);
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: not a Distillery manifest (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}); use another --out or delete the directory`);
  }
  return parsed.data;
}

/** Write the manifest atomically (tmp under `tmpDir`, fsync, rename, fsync dir). */
export async function writeManifest(dir: string, tmpDir: string, m: Manifest, onStep?: (step: 'tmp-written' | 'renamed') => Promise<void> | void): Promise<void> {
  await writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(Manifest.parse(m), null, 2)}\n`, tmpDir, onStep);
}
