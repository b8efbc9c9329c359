import { copyFile, link, mkdir, readdir, rm, stat, symlink } from 'node:fs/promises';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { LOCK_FILE, lockBuildDir } from './build-lock.ts';
import { MANIFEST_FORMAT, type Manifest, readManifest, type ShardEntry, totalsOf, writeManifest } from '../sinks/manifest.ts';
import { datasetCard } from '../sinks/dataset-card.ts';
import { buildFigures } from '../sinks/build-figures.ts';
import { rows, sqlString, withDuckDB } from '../sinks/build-sql.ts';
import { REPORT_FILE, writeReportOf } from '../report/write-report.ts';
import { writeFileAtomic } from '../sinks/durable-fs.ts';
import { buildReport, emptyStats, statsFrom, type BuildStats } from './build-stats.ts';
import { canonicalJson, sha256Hex } from '../../schemas/canonical-json.ts';
import { fileSha256 } from '../sources/file-digest.ts';

/** A refusal to merge: what is wrong, with the directory and what to do. */
export class MergeError extends Error {
  override name = 'MergeError';
}

/** How the shard files reached the merged directory. */
export type PlaceMethod = 'hardlink' | 'copy' | 'symlink';

/**
 * How to place the files: `hardlink` (default: no data copied; a copy where links are impossible, e.g. the target
 * on another file system), `copy` (always), `symlink` (absolute links: no data copied across file systems either,
 * but the merged build then needs the shard directories to stay where they are).
 */
export type FilesMode = 'hardlink' | 'copy' | 'symlink';

export interface MergeResult {
  out: string;
  builds: number;
  shards: string[];
  files: number;
  method: PlaceMethod | 'mixed';
  prompts: number;
  configHash: string;
  warnings: string[];
}

interface Input {
  dir: string;
  manifest: Manifest;
  /** "I/N" from the build config, or null for an unsharded build. */
  shard: string | null;
}

/** Check every listed file: present, the recorded size and sha256. */
async function verifyFiles(input: Input): Promise<void> {
  for (const s of input.manifest.shards) {
    const file = join(input.dir, s.path);
    const st = await stat(file).catch(() => null);
    if (!st) throw new MergeError(`${input.dir}: ${s.path} is listed in manifest.json but missing; the build is damaged: rebuild this shard`);
    if (st.size !== s.bytes) throw new MergeError(`${input.dir}: ${s.path} has ${st.size} bytes, the manifest says ${s.bytes}; rebuild this shard`);
    if ((await fileSha256(file)) !== s.sha256) throw new MergeError(`${input.dir}: ${s.path} does not match its sha256 in manifest.json; rebuild this shard`);
  }
}

function withoutShard(config: Record<string, unknown>): Record<string, unknown> {
  const { shard: _shard, ...rest } = config;
  return rest;
}

/** The top-level config keys whose values differ (for the refusal message). */
function differingKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).sort();
}

/** Prompt ids of a build, from its samples/ corpus (every sampled prompt has its k rows there). */
async function promptIds(input: Input): Promise<string[]> {
  const files = input.manifest.shards.filter((s) => s.corpus === 'samples').map((s) => join(input.dir, s.path));
  if (files.length === 0) return [];
  const list = files.map(sqlString).join(', ');
  return withDuckDB({}, async (con) => (await rows<{ prompt_id: unknown }>(con, `SELECT DISTINCT prompt_id FROM read_parquet([${list}])`)).map((r) => String(r.prompt_id)));
}

/** Sum counters over builds; `consumed` (source items read, the same for every shard of one input) is a max. */
export function mergeStats(all: BuildStats[]): BuildStats {
  const add = (a: unknown, b: unknown): unknown => {
    if (typeof a === 'number' && typeof b === 'number') return a + b;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
      const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
      for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? add(out[k], v) : structuredClone(v);
      return out;
    }
    return a ?? b;
  };
  const merged = all.reduce((acc, s) => add(acc, s) as BuildStats, emptyStats());
  merged.consumed = Math.max(0, ...all.map((s) => s.consumed));
  return merged;
}

/** Put `src` at `dst`: a hard link when the file system allows (else a copy), a copy, or an absolute symlink. */
async function place(src: string, dst: string, mode: FilesMode): Promise<PlaceMethod> {
  if (mode === 'copy') {
    await copyFile(src, dst);
    return 'copy';
  }
  if (mode === 'symlink') {
    await symlink(resolve(src), dst);
    return 'symlink';
  }
  try {
    await link(src, dst);
    return 'hardlink';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
    await copyFile(src, dst);
    return 'copy';
  }
}

/**
 * Merge finished builds of one pipeline config (typically the shards `--shard 0/N … N-1/N`) into `out`: checks
 * every manifest and file checksum, refuses different configs (other than the shard), repeated shards and
 * overlapping prompt ids, then hard-links each shard file into `out/<corpus>/` (a copy where links are not
 * possible, e.g. across file systems) under a name prefixed by its shard, and writes one manifest over all of
 * them. `out` is then an ordinary build directory: `read_parquet('out/sft/*.parquet')`, `distillery inspect`.
 */
export async function mergeBuilds(dirs: readonly string[], out: string, options: { files?: FilesMode } = {}): Promise<MergeResult> {
  // One writer a directory: a second merge (or a run) into `out` is refused at once, naming the holder.
  const lock = await lockBuildDir(out, 'distillery merge');
  try {
    return await mergeInto(dirs, out, options);
  } finally {
    await lock.release();
  }
}

async function mergeInto(dirs: readonly string[], out: string, options: { files?: FilesMode }): Promise<MergeResult> {
  if (dirs.length === 0) throw new MergeError('give at least one build directory to merge');
  const warnings: string[] = [];
  const inputs: Input[] = [];
  for (const dir of dirs) {
    const manifest = await readManifest(dir);
    if (!manifest) throw new MergeError(`${dir}: no manifest.json; not a build directory`);
    if (!manifest.finished) throw new MergeError(`${dir}: the build has not finished; run the same \`distillery run\` again to complete it, then merge`);
    const shard = typeof manifest.config.shard === 'string' ? manifest.config.shard : null;
    inputs.push({ dir, manifest, shard });
  }

  const first = inputs[0];
  const config = withoutShard(first.manifest.config);
  for (const input of inputs.slice(1)) {
    const diff = differingKeys(config, withoutShard(input.manifest.config));
    if (diff.length > 0) throw new MergeError(`${input.dir}: built with another pipeline config than ${first.dir} (differs in: ${diff.join(', ')}); only the shard may differ`);
    if (canonicalJson(input.manifest.inputs) !== canonicalJson(first.manifest.inputs)) {
      throw new MergeError(`${input.dir}: read other input files than ${first.dir} (input digests differ); shards must read the same inputs`);
    }
  }
  const counts = new Set(inputs.map((i) => (i.shard === null ? null : i.shard.split('/')[1])));
  if (counts.size > 1) throw new MergeError(`builds were sharded differently (${inputs.map((i) => `${i.dir}: ${i.shard ?? 'unsharded'}`).join(', ')}); merge the shards of one --shard I/N split`);
  const seenShard = new Map<string, string>();
  for (const i of inputs) {
    if (i.shard === null) continue;
    const had = seenShard.get(i.shard);
    if (had) throw new MergeError(`${i.dir} and ${had} are both shard ${i.shard}`);
    seenShard.set(i.shard, i.dir);
  }
  const n = [...counts][0];
  if (n !== null && n !== undefined && seenShard.size < Number(n)) {
    warnings.push(`only ${seenShard.size} of ${n} shards given (${[...seenShard.keys()].sort().join(', ')}): the merged build is partial`);
  }
  const codeVersions = [...new Set(inputs.map((i) => i.manifest.codeVersion))];
  if (codeVersions.length > 1) warnings.push(`shards were built by different code versions (${codeVersions.join(', ')})`);

  for (const input of inputs) await verifyFiles(input);

  const owner = new Map<string, string>();
  for (const input of inputs) {
    for (const id of await promptIds(input)) {
      const had = owner.get(id);
      if (had !== undefined) throw new MergeError(`prompt "${id}" is in both ${had} and ${input.dir}; merged builds must be disjoint (give each worker its own --shard I/N)`);
      owner.set(id, input.dir);
    }
  }

  const existing = (await readdir(out).catch(() => [] as string[])).filter((n) => !n.startsWith(LOCK_FILE));
  if (existing.length > 0) throw new MergeError(`${out}: exists and is not empty; merge into a new directory`);
  await mkdir(out, { recursive: true });

  const shards: ShardEntry[] = [];
  const methods = new Set<PlaceMethod>();
  for (let b = 0; b < inputs.length; b++) {
    const input = inputs[b];
    const prefix = input.shard === null ? `b${b}` : `shard${input.shard.replace('/', 'of')}`;
    for (const s of input.manifest.shards) {
      const path = posix.join(posix.dirname(s.path), `${prefix}-${posix.basename(s.path)}`);
      await mkdir(join(out, dirname(path)), { recursive: true });
      methods.add(await place(join(input.dir, s.path), join(out, path), options.files ?? 'hardlink'));
      shards.push({ ...s, path, commit: b + 1 });
    }
  }

  const stats = mergeStats(inputs.map((i) => statsFrom(i.manifest.stats)));
  const configHash = sha256Hex(canonicalJson(config));
  const method = methods.size === 1 ? [...methods][0] : methods.size === 0 ? 'hardlink' : 'mixed';
  const now = new Date().toISOString();
  const report = {
    ...buildReport({ pipeline: first.manifest.pipeline, out, configHash, interrupted: false, resumedFromCommits: 0, stats, start: emptyStats(), runSeconds: 0 }),
    merged: {
      from: inputs.map((i) => ({ dir: basename(i.dir), shard: i.shard, configHash: i.manifest.configHash, codeVersion: i.manifest.codeVersion })),
      files: method,
      warnings,
    },
  };
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    pipeline: first.manifest.pipeline,
    config,
    configHash,
    codeVersion: codeVersions.join(','),
    inputs: first.manifest.inputs,
    output: first.manifest.output,
    createdAt: now,
    updatedAt: now,
    commits: inputs.length,
    shards,
    totals: totalsOf(shards),
    stats,
    report,
    finished: true,
  };
  const tmp = join(out, '.tmp');
  await mkdir(tmp, { recursive: true });
  await writeManifest(out, tmp, manifest);
  // The dataset card and the HTML report of the merged build (configs over every shard's files, figures from DuckDB
  // over them, computed once), as a build writes them. The page is a view: a failure to write it does not fail the merge.
  const figures = await buildFigures(out, manifest);
  await writeFileAtomic(join(out, 'README.md'), datasetCard(manifest, figures), tmp);
  await writeReportOf(figures, null, join(out, REPORT_FILE)).catch((e: Error) =>
    warnings.push(`the merged build's HTML report could not be written: ${e.message}; try: distillery report ${out}`),
  );
  await rm(tmp, { recursive: true, force: true });
  return { out, builds: inputs.length, shards: [...seenShard.keys()].sort(), files: shards.length, method, prompts: owner.size, configHash, warnings };
}
