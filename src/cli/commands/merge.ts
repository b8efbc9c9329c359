import { type FilesMode, mergeBuilds, MergeError } from '../../pipeline/merge-builds.ts';
import { parseCli, UsageError } from '../args.ts';

const METHOD_TEXT: Record<string, string> = {
  hardlink: 'hard-linked, not copied',
  copy: 'copied',
  symlink: 'symlinked to the shard directories, which must stay in place',
  mixed: 'hard-linked where possible, copied across file systems',
};

/**
 * `distillery merge DIR… --out DIR [--json]`: one build over sharded builds (see mergeBuilds). Exit 0 when merged,
 * 1 when refused (the message says which directory and why).
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { out: { type: 'string', short: 'o' }, json: { type: 'boolean' }, files: { type: 'string' } });
  if (positionals.length === 0 || !values.out) throw new UsageError('merge: expected build directories and --out DIR: distillery merge DIR… --out DIR [--files hardlink|copy|symlink]');
  const files = values.files ?? 'hardlink';
  if (files !== 'hardlink' && files !== 'copy' && files !== 'symlink') throw new UsageError(`merge: --files must be hardlink, copy or symlink, got "${files}"`);
  try {
    const r = await mergeBuilds(positionals, values.out, { files: files as FilesMode });
    for (const w of r.warnings) process.stderr.write(`distillery merge: warning: ${w}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        `merged ${r.builds} builds${r.shards.length ? ` (shards ${r.shards.join(', ')})` : ''}: ${r.prompts} prompts, ${r.files} files (${METHOD_TEXT[r.method]}) → ${r.out}\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof MergeError) {
      process.stderr.write(`distillery merge: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
