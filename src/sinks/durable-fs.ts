import { open, rename, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync a directory so a rename or unlink in it survives a power loss, not only a process crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write `bytes` to `path` and fsync it. */
export async function writeFileSynced(path: string, bytes: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `path` atomically: write under `tmpDir`, fsync, rename over `path`, fsync the directory.
 * Readers see the old file or the new one, never a mix. `tmpDir` must be on the same filesystem.
 */
export async function writeFileAtomic(path: string, bytes: string | Uint8Array, tmpDir: string, onStep?: (step: 'tmp-written' | 'renamed') => Promise<void> | void): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  const tmp = join(tmpDir, `${basename(path)}.${process.pid}.tmp`);
  await writeFileSynced(tmp, bytes);
  await onStep?.('tmp-written');
  await rename(tmp, path);
  await onStep?.('renamed');
  await fsyncDir(dirname(path));
}
