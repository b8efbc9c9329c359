import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';
import { writeReport } from '../../report/write-report.ts';
import { formatBytes } from '../../sinks/units.ts';

export const spec: CommandSpec = {
  name: 'report',
  summary: 'Write one self-contained HTML page of a build (health, acceptance, rejection categories, pass rates, lengths, agreement, samples spent, the build over time, examples), computed through DuckDB over the shards.',
  usage: 'DIR [--out FILE.html] [--compare PREV_DIR]',
  flags: {
    out: { type: 'string', short: 'o', value: 'FILE.html', help: 'where the page goes (default DIR/report.html)' },
    compare: { type: 'string', value: 'PREV_DIR', help: 'show every figure against a previous build, as deltas' },
  },
  notes: 'Exit codes: 0 written (whatever the health says: it is on the page), 1 the build cannot be read, 2 a usage error.',
};

/**
 * `distillery report DIR [--out FILE.html] [--compare PREV_DIR]`: one self-contained HTML page of a build (health,
 * acceptance, rejection categories, pass rates, lengths, agreement, samples spent, the build over time, examples),
 * computed through DuckDB over the shards; with --compare, the same against a previous build as deltas.
 * Exit 0 when written (whatever the health says: it is on the page), 1 when the build cannot be read.
 */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { out?: string; compare?: string };
  if (positionals.length !== 1) throw new UsageError('expected one build directory: distillery report DIR [--out FILE.html] [--compare PREV_DIR]');
  const t0 = performance.now();
  const r = await writeReport(positionals[0], { out: values.out, compare: values.compare });
  process.stdout.write(`report: ${r.file} (${formatBytes(r.bytes)}, build ${r.level}) in ${((performance.now() - t0) / 1000).toFixed(1)}s\n`);
  return 0;
}
