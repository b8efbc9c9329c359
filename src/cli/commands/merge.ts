import { mergeBuilds, MergeError } from '../../pipeline/merge-builds.ts';
import { parseCli, UsageError } from '../args.ts';

/**
 * `distillery merge DIR… --out DIR [--json]`: one build over sharded builds (see mergeBuilds). Exit 0 when merged,
 * 1 when refused (the message says which directory and why).
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { out: { type: 'string', short: 'o' }, json: { type: 'boolean' } });
  if (positionals.length === 0 || !values.out) throw new UsageError('merge: expected build directories and --out DIR: distillery merge DIR… --out DIR');
  try {
    const r = await mergeBuilds(positionals, values.out);
    for (const w of r.warnings) process.stderr.write(`distillery merge: warning: ${w}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
    else {
      process.stdout.write(
        `merged ${r.builds} builds${r.shards.length ? ` (shards ${r.shards.join(', ')})` : ''}: ${r.prompts} prompts, ${r.files} files (${r.method === 'hardlink' ? 'hard-linked, not copied' : r.method}) → ${r.out}\n`,
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
