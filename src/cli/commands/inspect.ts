import { formatInspection, inspectBuild, inspectionHealthy } from '../../sinks/inspect-build.ts';
import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';

export const spec: CommandSpec = {
  name: 'inspect',
  summary: 'Summarise a build directory through DuckDB: rows per corpus, acceptance by domain and judge, top rejection reasons,\ntoken length percentiles, and shard checksums against the manifest.',
  usage: 'DIR [--json] [--top N]',
  flags: {
    json: { type: 'boolean', help: 'print the summary as one JSON object' },
    top: { type: 'string', value: 'N', help: 'how many reasons and disagreements to list (default 10)' },
  },
  notes: 'Exit codes: 0 every shard matches the manifest, 1 a checksum or row-count mismatch, 2 a usage error.',
};

/**
 * `distillery inspect DIR [--json] [--top N]`: rows per corpus, acceptance by domain and judge, top rejection
 * reasons and disagreements, token length percentiles, shard checksums against the manifest (through DuckDB).
 * Exit 0 when every shard matches the manifest, 1 on a checksum or row-count mismatch.
 */
export async function run(argv: string[]): Promise<number> {
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { json?: boolean; top?: string };
  if (positionals.length !== 1) throw new UsageError('expected one build directory: distillery inspect DIR [--json] [--top N]');
  const top = values.top === undefined ? 10 : Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`--top must be a positive integer, got "${values.top}"`);
  const report = await inspectBuild(positionals[0], { top });
  const healthy = inspectionHealthy(report);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, healthy })}\n`);
  else process.stdout.write(`${formatInspection(report)}\n`);
  if (!healthy) process.stderr.write(`distillery inspect: ${positionals[0]} does not match its manifest (see above); re-run the build into a fresh --out, or restore the files\n`);
  return healthy ? 0 : 1;
}
