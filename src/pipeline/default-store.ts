import type { BuildStore } from '../sinks/build-store.ts';
import { join } from 'node:path';
import { REPORT_FILE, writeReportOf } from '../report/write-report.ts';
import { buildFigures } from '../sinks/build-figures.ts';
import { datasetCard } from '../sinks/dataset-card.ts';
import type { Manifest } from '../sinks/manifest.ts';
import { openParquetBuildStore } from '../sinks/parquet-build-store.ts';
import type { Pipeline } from './define.ts';

/**
 * The build directory a run writes when no store is given: Parquet corpora and manifest, the dataset card
 * (README.md, its figures computed by DuckDB over the shards at the end), with `report: true` the HTML report
 * beside it from the same figures (what `distillery run` asks for).
 */
export function defaultBuildStore(out: string, pipeline: Pipeline, opts: { report?: boolean } = {}): BuildStore {
  const card = async (m: Manifest, dir: string) => {
    // Every shard was hashed as the build wrote it (this run or an earlier one): sizes are checked, not a second read.
    const figures = await buildFigures(dir, m, { shardCheck: 'size' });
    // The page is a view of the build: a failure to write it is said, and does not fail the build.
    if (opts.report) {
      await writeReportOf(figures, null, join(dir, REPORT_FILE)).catch((e: Error) =>
        process.stderr.write(`distillery: the build is done, but its HTML report could not be written: ${e.message}; try: distillery report ${dir}\n`),
      );
    }
    return datasetCard(m, figures);
  };
  return openParquetBuildStore(out, pipeline.output, { card });
}
