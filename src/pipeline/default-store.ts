import type { Backend } from '../models/sampler.ts';
import { withReuseReport, type ReuseCounts } from '../models/reuse-backend.ts';
import type { BuildStore } from '../sinks/build-store.ts';
import { withCardStats } from '../sinks/card-stats-store.ts';
import { datasetCardOf } from '../sinks/dataset-card.ts';
import { openParquetBuildStore } from '../sinks/parquet-build-store.ts';
import type { Pipeline } from './define.ts';

/**
 * The build directory a run writes when no store is given: Parquet corpora and manifest, the dataset card
 * (README.md) with its figures accumulated per commit, and — when the backend reuses a previous build's
 * samples — the reused / generated / re-judged counts in the report.
 */
export function defaultBuildStore(out: string, pipeline: Pipeline): BuildStore {
  const store = withCardStats(openParquetBuildStore(out, pipeline.output, { card: (m, dir) => datasetCardOf(dir, m) }));
  const backend = pipeline.backend as Backend & { counts?: () => ReuseCounts };
  return typeof backend.counts === 'function' ? withReuseReport(store, { counts: backend.counts }) : store;
}
