import { mkdir, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { zstdDecompress, zstdReady } from './zstd.ts';
import type { OutputConfig } from '../../schemas/pipeline.ts';
import type { CorpusName, QuarantineRecord } from '../../schemas/records.ts';
import { ConfigError } from '../../schemas/config-error.ts';
import type { BuildIdentity, BuildStore, ChunkRows, InputChange, OpenOptions, ResumeState } from './build-store.ts';
import { configDifferences, describeDifference } from './config-diff.ts';
import { fsyncDir, writeFileAtomic, writeFileSynced } from './durable-fs.ts';
import { MANIFEST_FILE, MANIFEST_FORMAT, type Manifest, type ShardEntry, readManifest, totalsOf, writeManifest } from './manifest.ts';
import { corpusParquetSchema } from './parquet-schema.ts';
import { ParquetWriterPool, type WriterPoolOptions } from './parquet-writer-pool.ts';
import { approxRowBytes, splitByBudget } from './row-budget.ts';
import { PromptIdSet } from '../collections/prompt-id-set.ts';

export const CORPUS_NAMES: readonly CorpusName[] = ['sft', 'distill', 'samples', 'prefs'];
const QUARANTINE_DIR = 'quarantine';
/** Temporary files live here: `read_parquet('DIR/sft/*.parquet')` never sees a half-written shard. */
const TMP_DIR = '.tmp';

/** The steps of a commit, in order; a crash (or an injected failure) can happen after any of them. */
export type CommitStep = 'shard-written' | 'shard-renamed' | 'dirs-synced' | 'manifest-tmp-written' | 'manifest-renamed';

export interface ParquetBuildStoreOptions extends WriterPoolOptions {
  /** Renders the dataset card (README.md in the build directory), written atomically by finish() (`dir`: the build directory). */
  card?: (manifest: Manifest, dir: string) => string | Promise<string>;
  /** Called after each commit step; tests throw here to simulate a crash at that instant. */
  onCommitStep?: (step: CommitStep) => void | Promise<void>;
}

/** A build directory holding another pipeline configuration, or built from inputs that changed since. */
export class BuildConfigMismatchError extends ConfigError {}

/** Inputs whose digest differs, by name (an input added or dropped counts too). */
function changedInputs(was: readonly { name: string; sha256: string }[], now: readonly { name: string; sha256: string }[]): InputChange[] {
  const before = new Map(was.map((i) => [i.name, i.sha256]));
  const after = new Map(now.map((i) => [i.name, i.sha256]));
  const names = [...new Set([...before.keys(), ...after.keys()])];
  return names.filter((n) => before.get(n) !== after.get(n)).map((name) => ({ name, was: before.get(name) ?? null, now: after.get(name) ?? null }));
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const shardName = (seq: number, commit: number, ext: string) => `part-${pad(seq, 5)}-c${pad(commit, 6)}.${ext}`;

/**
 * The build directory as Parquet corpora + manifest (see src/sinks/build-store.ts for the contract):
 *
 * ```
 * DIR/manifest.json                        the commit point
 * DIR/{sft,distill,samples,prefs}/part-NNNNN-cCCCCCC.parquet
 * DIR/quarantine/part-NNNNN-cCCCCCC.jsonl
 * DIR/.tmp/                                files being written (removed by open)
 * ```
 */
export function openParquetBuildStore(dir: string, output: OutputConfig, options: ParquetBuildStoreOptions = {}): BuildStore {
  return new ParquetBuildStore(dir, output, options);
}

class ParquetBuildStore implements BuildStore {
  private manifest: Manifest | null = null;
  /** The inputs this run reads: recorded in the manifest with its first commit. */
  private inputs: Manifest['inputs'] = [];
  private pool: ParquetWriterPool | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set when a commit failed midway: the directory is consistent for open(), but this instance must stop. */
  private broken: Error | null = null;
  private readonly tmpDir: string;

  constructor(
    readonly dir: string,
    private readonly output: OutputConfig,
    private readonly options: ParquetBuildStoreOptions,
  ) {
    this.tmpDir = join(dir, TMP_DIR);
  }

  async open(identity: BuildIdentity, options: OpenOptions = {}): Promise<ResumeState> {
    await mkdir(this.dir, { recursive: true });
    let m = await readManifest(this.dir);
    // Nothing committed (e.g. a start that failed): nothing to lose, so another config may take the directory.
    if (m && m.commits === 0 && m.configHash !== identity.configHash) m = null;
    if (m && m.configHash !== identity.configHash) {
      const fields = configDifferences(m.config, identity.config).map((p) => describeDifference(m!.config, identity.config, p));
      throw new BuildConfigMismatchError(
        `${this.dir} holds ${m.commits} commit(s) of pipeline "${m.pipeline}" built with another configuration ` +
          `(config hash ${m.configHash.slice(0, 12)}…, this pipeline's ${identity.configHash.slice(0, 12)}…); ` +
          `what differs: ${fields.length ? fields.join('; ') : '(the config fields are equal; the pipeline name or shard differs)'}. ` +
          `A build directory resumes only the same configuration: use a new --out directory, or delete ${this.dir} to start over.`,
      );
    }
    const inputChanges = m && m.commits > 0 ? changedInputs(m.inputs, identity.inputs) : [];
    if (inputChanges.length > 0 && !options.allowInputChange) {
      const what = inputChanges.map((c) => (c.was === null ? `${c.name} (new input)` : c.now === null ? `${c.name} (no longer an input)` : `${c.name} (sha256 ${c.was.slice(0, 12)}… → ${c.now.slice(0, 12)}…)`));
      throw new BuildConfigMismatchError(
        `${this.dir}: input changed since the build's last commit: ${what.join(', ')}. ` +
          `The build resumes by prompt id: run again with --allow-input-change to build the new prompts (prompts no longer in the input are reported, their rows stay), ` +
          `or restore the input, or use a new --out directory.`,
      );
    }
    await this.removeUncommitted(m);
    if (m) await this.checkCommittedFiles(m);
    const now = new Date().toISOString();
    if (!m) {
      m = {
        format: MANIFEST_FORMAT,
        pipeline: identity.pipeline,
        config: identity.config,
        configHash: identity.configHash,
        codeVersion: identity.codeVersion,
        inputs: identity.inputs,
        output: this.output,
        createdAt: now,
        updatedAt: now,
        commits: 0,
        shards: [],
        totals: totalsOf([]),
        stats: null,
        report: null,
        finished: false,
      };
    } else {
      // A resumed build records the code it now runs with; the config is the same (checked above). The inputs it
      // now reads are recorded by its first commit (or finish): a run stopped before that leaves the change refused.
      m = { ...m, codeVersion: identity.codeVersion, updatedAt: now, finished: false };
    }
    await writeManifest(this.dir, this.tmpDir, m);
    this.manifest = m;
    this.inputs = identity.inputs;
    this.pool ??= new ParquetWriterPool({ createdBy: `distillery ${identity.codeVersion}`, ...this.options });
    return {
      donePromptIds: await this.readDonePromptIds(m),
      doneQuarantine: await this.readDoneQuarantine(m),
      commits: m.commits,
      stats: m.stats,
      inputChanges,
    };
  }

  commit(rows: ChunkRows, stats: Record<string, unknown>): Promise<void> {
    return this.serial(() => this.commitNow(rows, stats));
  }

  finish(report: Record<string, unknown>): Promise<void> {
    return this.serial(async () => {
      const m = this.mustBeOpen();
      const done: Manifest = { ...m, inputs: this.inputs, report, finished: true, updatedAt: new Date().toISOString() };
      await writeManifest(this.dir, this.tmpDir, done);
      this.manifest = done;
      // Nothing is written after this: the writers' memory (a wasm heap each, which never shrinks) goes before the
      // card's DuckDB figures need theirs, so the build's peak RSS is not the sum of both.
      await this.pool?.close();
      this.pool = null;
      if (this.options.card) await writeFileAtomic(join(this.dir, 'README.md'), await this.options.card(done, this.dir), this.tmpDir);
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.pool?.close();
    this.pool = null;
  }

  /** Commits run one after another, whoever calls. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private mustBeOpen(): Manifest {
    if (this.broken) throw new Error(`${this.dir}: an earlier commit failed (${this.broken.message}); reopen the build directory to resume`);
    if (!this.manifest) throw new Error(`${this.dir}: open() the build store before committing`);
    return this.manifest;
  }

  private async step(s: CommitStep): Promise<void> {
    await this.options.onCommitStep?.(s);
  }

  private async commitNow(rows: ChunkRows, stats: Record<string, unknown>): Promise<void> {
    const m = this.mustBeOpen();
    try {
      const commit = m.commits + 1;
      await mkdir(this.tmpDir, { recursive: true });
      const written = await Promise.all([
        ...CORPUS_NAMES.map((c) => this.writeCorpus(m, c, rows[c] as Record<string, unknown>[], commit)),
        this.writeQuarantine(m, rows.quarantine, commit),
      ]);
      const planned = written.flat();
      for (const { tmp, entry } of planned) {
        await mkdir(join(this.dir, entry.corpus), { recursive: true });
        await rename(tmp, join(this.dir, entry.path));
        await this.step('shard-renamed');
      }
      const dirs = new Set(planned.map((p) => p.entry.corpus));
      for (const d of dirs) await fsyncDir(join(this.dir, d));
      await this.step('dirs-synced');
      const shards = [...m.shards, ...planned.map((p) => p.entry)];
      const next: Manifest = { ...m, inputs: this.inputs, commits: commit, shards, totals: totalsOf(shards), stats, updatedAt: new Date().toISOString() };
      await writeManifest(this.dir, this.tmpDir, next, (s) => this.step(s === 'tmp-written' ? 'manifest-tmp-written' : 'manifest-renamed'));
      this.manifest = next;
    } catch (err) {
      this.broken = err as Error;
      throw err;
    }
  }

  /** Splits a corpus's rows into shards (shardRows / shardBytes) and each shard into row groups (rowGroupBytes). */
  private async writeCorpus(m: Manifest, corpus: CorpusName, rows: Record<string, unknown>[], commit: number): Promise<{ tmp: string; entry: ShardEntry }[]> {
    if (!rows?.length) return [];
    const sizes = rows.map(approxRowBytes);
    const shards = splitByBudget(sizes, this.output.shardRows, this.output.shardBytes);
    const schema = corpusParquetSchema(corpus);
    const firstSeq = m.shards.filter((s) => s.corpus === corpus).length;
    return Promise.all(
      shards.map(async ([start, end], i) => {
        const name = shardName(firstSeq + i, commit, 'parquet');
        const tmp = join(this.tmpDir, `${corpus}-${name}`);
        const groups = splitByBudget(sizes.slice(start, end), Number.MAX_SAFE_INTEGER, this.output.rowGroupBytes);
        const pool = this.pool!;
        const written = await pool.writeShard(tmp, schema, (function* () {
          for (const [a, b] of groups) yield rows.slice(start + a, start + b);
        })());
        await this.step('shard-written');
        return { tmp, entry: { corpus, path: `${corpus}/${name}`, rows: end - start, bytes: written.bytes, sha256: written.sha256, commit } };
      }),
    );
  }

  private async writeQuarantine(m: Manifest, rows: QuarantineRecord[], commit: number): Promise<{ tmp: string; entry: ShardEntry }[]> {
    if (!rows?.length) return [];
    const name = shardName(m.shards.filter((s) => s.corpus === 'quarantine').length, commit, 'jsonl');
    const tmp = join(this.tmpDir, `quarantine-${name}`);
    const bytes = Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join(''), 'utf8');
    await writeFileSynced(tmp, bytes);
    await this.step('shard-written');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return [{ tmp, entry: { corpus: 'quarantine', path: `${QUARANTINE_DIR}/${name}`, rows: rows.length, bytes: bytes.length, sha256, commit } }];
  }

  /** Deletes temp files and files in the corpus folders that the manifest does not list (a crash before the commit point). */
  private async removeUncommitted(m: Manifest | null): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
    const listed = new Set(m?.shards.map((s) => s.path) ?? []);
    for (const sub of [...CORPUS_NAMES, QUARANTINE_DIR]) {
      let names: string[];
      try {
        names = await readdir(join(this.dir, sub));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      let removed = false;
      for (const n of names) {
        if (!/^part-\d+-c\d+\.(parquet|jsonl)$/.test(n) || listed.has(`${sub}/${n}`)) continue;
        await unlink(join(this.dir, sub, n));
        removed = true;
      }
      if (removed) await fsyncDir(join(this.dir, sub));
    }
  }

  private async checkCommittedFiles(m: Manifest): Promise<void> {
    for (const s of m.shards) {
      const path = join(this.dir, s.path);
      const st = await stat(path).catch(() => null);
      if (!st || st.size !== s.bytes) {
        throw new Error(
          `${path}: listed in ${MANIFEST_FILE} with ${s.bytes} bytes but ${st ? `has ${st.size}` : 'is missing'}; ` +
            `the build directory was changed by hand or damaged: restore the file, or delete the directory to start over`,
        );
      }
    }
  }

  /**
   * Prompt ids with committed rows, read back from the samples shards' `prompt_id` column: every written prompt has
   * samples rows, and the other corpora hold subsets of them (reading those too cost ~40 % more on a resumed 800k build).
   */
  private async readDonePromptIds(m: Manifest): Promise<PromptIdSet> {
    const done = new PromptIdSet();
    await zstdReady();
    const compressors = { ZSTD: zstdDecompress };
    for (const s of m.shards) {
      if (s.corpus !== 'samples') continue;
      const file = await asyncBufferFromFile(join(this.dir, s.path));
      const rows = (await parquetReadObjects({ file, columns: ['prompt_id'], compressors })) as { prompt_id: string | null }[];
      for (const r of rows) if (r.prompt_id != null) done.add(r.prompt_id);
    }
    return done;
  }

  private async readDoneQuarantine(m: Manifest): Promise<Set<string>> {
    const done = new Set<string>();
    for (const s of m.shards) {
      if (s.corpus !== 'quarantine') continue;
      const text = await readFile(join(this.dir, s.path), 'utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line) as QuarantineRecord;
        done.add(`${r.file}:${r.line}`);
      }
    }
    return done;
  }
}
