import { type FilesMode, mergeBuilds, MergeError } from '../../pipeline/merge-builds.ts';
import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';

export const spec: CommandSpec = {
  name: 'merge',
  summary: 'Merge finished builds of one pipeline (typically the shards --shard 0/N … N-1/N) into one build, with its card and HTML report; files are hard-linked where possible.',
  usage: 'DIR… --out DIR [--files hardlink|copy|symlink] [--json]',
  flags: {
    out: { type: 'string', short: 'o', value: 'DIR', help: 'the merged build directory' },
    files: { type: 'string', value: 'hardlink|copy|symlink', help: 'how shard files reach the merged build (default hardlink: copied across file systems; symlink: the shard directories must stay in place)' },
    json: { type: 'boolean', help: 'print the result as one JSON line' },
  },
  notes: 'Exit codes: 0 merged, 1 refused (the message says which directory and why), 2 a usage error.',
};

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
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { out?: string; json?: boolean; files?: string };
  if (positionals.length === 0 || !values.out) throw new UsageError('expected build directories and --out DIR: distillery merge DIR… --out DIR');
  const files = values.files ?? 'hardlink';
  if (files !== 'hardlink' && files !== 'copy' && files !== 'symlink') throw new UsageError(`--files must be hardlink, copy or symlink, got "${files}"`);
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
