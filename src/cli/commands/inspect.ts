import { formatInspection, inspectBuild, inspectionHealthy } from '../../sinks/inspect-build.ts';
import { parseCli, UsageError } from '../args.ts';

/**
 * `distillery inspect DIR [--json] [--top N]`: rows per corpus, acceptance by domain and judge, top rejection
 * reasons and disagreements, token length percentiles, shard checksums against the manifest (through DuckDB).
 * Exit 0 when every shard matches the manifest, 1 on a checksum or row-count mismatch.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, { json: { type: 'boolean' }, top: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('inspect: expected one build directory: distillery inspect DIR [--json] [--top N]');
  const top = values.top === undefined ? 10 : Number(values.top);
  if (!Number.isInteger(top) || top < 1) throw new UsageError(`inspect: --top must be a positive integer, got "${values.top}"`);
  const report = await inspectBuild(positionals[0], { top });
  const healthy = inspectionHealthy(report);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, healthy })}\n`);
  else process.stdout.write(`${formatInspection(report)}\n`);
  if (!healthy) process.stderr.write(`distillery inspect: ${positionals[0]} does not match its manifest (see above); re-run the build into a fresh --out, or restore the files\n`);
  return healthy ? 0 : 1;
}
