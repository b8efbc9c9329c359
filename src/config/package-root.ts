import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's root directory (its package.json, the bundled model, the JSON Schemas): found by walking up from
 * this file, so it is the same from src/ in a checkout and from dist/src/ in an installed package.
 */
export const PACKAGE_ROOT: string = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The package's version, from its package.json. */
export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'distillery') return dir;
    } catch {
      // no package.json here: go up
    }
    if (path.dirname(dir) === dir) throw new Error(`distillery: no package.json of the distillery package above ${from}`);
  }
}
