/**
 * Worker threads started from plain JavaScript. In the built package (dist/) each worker entry is a compiled .js
 * file and is started as is. From the TypeScript sources (a checkout, tests): Node 20 does not pass tsx's loader hooks to a worker, so a worker
 * that loads TypeScript must register tsx itself, and each one then runs its own loader-hooks thread: measured
 * ~20 MB more RSS and ~0.2 s more CPU to start, per worker (docs/engine.md). Instead, the first time a process needs
 * a worker entry, it is bundled with esbuild (tsx's own compiler) into one .mjs file and the worker runs that.
 *
 * The bundle keeps npm packages as imports and is written under the package's node_modules/.cache, so those imports
 * resolve as they do from src/ and packages that load files next to themselves (zstd's wasm, eld's data) still find
 * them. The file name carries a hash of the bundle, so an edited source gives a new file; it is written once (tmp +
 * rename, safe for concurrent processes), and only the few most recently used files per entry are kept. If esbuild
 * or the cache directory is unavailable (e.g. a read-only install), workers start through tsx as before, with one
 * line on stderr. So does an entry whose bundle uses `import.meta`: it would point into the cache, not at the source.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId, Worker, type WorkerOptions } from 'node:worker_threads';

/** Worker options, less those this module sets: the script's execArgv, and workerData (the tsx boot uses it). */
export type PlainWorkerOptions = Omit<WorkerOptions, 'eval' | 'execArgv' | 'workerData'>;

export type WorkerScript =
  | { kind: 'bundle'; file: string; code: string }
  | { kind: 'tsx'; reason: string };

/**
 * DISTILLERY_WORKER_CPU_PROF=DIR: every worker writes a V8 CPU profile into DIR (`node --cpu-prof` profiles only the
 * main thread here, since a worker's execArgv is set explicitly). How the judges' share of a build is found.
 */
function workerExecArgv(): string[] {
  const dir = process.env.DISTILLERY_WORKER_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Bundles kept per entry (most recently used first): a running process may still start workers from an older one. */
const KEEP_PER_ENTRY = 4;

const scripts = new Map<string, WorkerScript>();

/** This module runs from dist/ (compiled JavaScript), not from the TypeScript sources through tsx. */
const COMPILED = import.meta.url.endsWith('.js');
let warned = false;

/**
 * Start a worker thread running the TypeScript module `entry` (a file: URL), compiled to plain JS when possible.
 * `cacheDir` is for tests.
 */
export function startWorker(entry: URL, options: PlainWorkerOptions = {}, cacheDir = defaultCacheDir()): Worker {
  // The built package (dist/): tsc compiled every worker entry to a .js file beside its .ts name; start that file.
  // Nothing is bundled or written at run time there, and esbuild is not needed.
  if (COMPILED) return new Worker(new URL(entry.href.replace(/\.ts$/, '.js')), { ...options, execArgv: workerExecArgv() });
  const script = workerScript(entry, cacheDir);
  if (script.kind === 'bundle') {
    // A cache cleaner or another checkout may have removed the file since: write it again from memory.
    if (!existsSync(script.file)) writeOnce(script.file, script.code);
    // `execArgv: []`: the worker must not inherit `--import tsx` (ignored by Node 20 workers, honoured by later ones).
    // Inherited V8 flags go too: an explicit execArgv may not carry them.
    return new Worker(script.file, { ...options, execArgv: workerExecArgv() });
  }
  return new Worker(new URL('./tsx-worker-boot.mjs', import.meta.url), { ...options, workerData: { entry: entry.href } });
}

/** How `entry` is started in this process: its bundle file, or through tsx (and why). Decided once per entry. */
export function workerScript(entry: URL, cacheDir = defaultCacheDir()): WorkerScript {
  const key = `${entry.href}\0${cacheDir}`;
  let script = scripts.get(key);
  if (!script) {
    try {
      script = { kind: 'bundle', ...bundleWorker(entry, cacheDir) };
    } catch (e) {
      script = { kind: 'tsx', reason: (e as Error).message.replace(/\s+/g, ' ').trim() };
      if (!warned) {
        warned = true;
        process.stderr.write(`distillery: workers start through tsx (about 20 MB more memory each): ${script.reason}\n`);
      }
    }
    scripts.set(key, script);
  }
  return script;
}

/** Bundle `entry` and make sure its cache file exists (not memoised; throws if it cannot). */
export function bundleWorker(entry: URL, cacheDir = defaultCacheDir()): { file: string; code: string } {
  // Loaded on first need, synchronously (workers are started from constructors); tsx has loaded it already.
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const root = packageRoot();
  const source = fileURLToPath(entry);
  const result = esbuild.buildSync({
    entryPoints: [source],
    absWorkingDir: root, // the output names sources relative to this: the same bundle (and hash) from any cwd
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].text;
  if (/\bimport\.meta\b/.test(code)) throw new Error(`cannot bundle ${source}: its code uses import.meta`);
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const name = entryName(root, source);
  const file = path.join(cacheDir, `${name}-${hash}.mjs`);
  if (existsSync(file)) {
    touch(file);
  } else {
    writeOnce(file, code);
    prune(cacheDir, name, file);
  }
  return { file, code };
}

function defaultCacheDir(): string {
  return path.join(packageRoot(), 'node_modules', '.cache', 'distillery', 'workers');
}

function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** `src/judges/math/worker.ts` → `judges.math.worker`: unique per entry, readable in a listing. */
function entryName(root: string, source: string): string {
  const rel = path.relative(root, source).replace(/\.[cm]?ts$/, '');
  const name = rel.startsWith('..') || path.isAbsolute(rel)
    ? `${path.basename(rel)}.${createHash('sha256').update(source).digest('hex').slice(0, 8)}` // outside the package
    : rel.replace(/^src[\\/]/, '').split(/[\\/]/).join('.');
  return name.replace(/[^\w.-]/g, '_');
}

/** Atomic: readers see no file or the whole file; concurrent writers write the same bytes. */
function writeOnce(file: string, code: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${threadId}.tmp`;
  writeFileSync(tmp, code);
  try {
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    if (!existsSync(file)) throw e;
  }
}

/** Mark a reused bundle as recently used, so prune() keeps it. Best effort: a read-only cache is still usable. */
function touch(file: string): void {
  try {
    const now = new Date();
    utimesSync(file, now, now);
  } catch {
    // read-only: the file is used as it is
  }
}

/** Delete all but the KEEP_PER_ENTRY most recently used bundles of one entry, and its stale temporary files. */
function prune(cacheDir: string, name: string, current: string): void {
  try {
    const bundle = new RegExp(`^${name.replace(/[.]/g, '\\.')}-[0-9a-f]{16}\\.mjs$`);
    const files = readdirSync(cacheDir)
      .filter((f) => bundle.test(f) || (f.startsWith(`${name}-`) && f.endsWith('.tmp')))
      .map((f) => {
        const p = path.join(cacheDir, f);
        return { p, tmp: f.endsWith('.tmp'), mtime: statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? 0 };
      });
    const bundles = files.filter((f) => !f.tmp && f.p !== current).sort((a, b) => b.mtime - a.mtime);
    const stale = [
      ...bundles.slice(KEEP_PER_ENTRY - 1),
      ...files.filter((f) => f.tmp && Date.now() - f.mtime > 10 * 60_000), // left by a process killed mid-write
    ];
    for (const f of stale) {
      try {
        unlinkSync(f.p);
      } catch {
        // another process pruned it
      }
    }
  } catch {
    // pruning is housekeeping: never fail a start for it
  }
}
