import { PASS_RATE_BINS, type BuildFigures } from '../sinks/build-figures.ts';
import { compareFigures, type Delta } from './compare.ts';

/** What the report page embeds as JSON and draws: the figures of the build (and of the previous one). */
export interface ReportData {
  figures: BuildFigures;
  previous: BuildFigures | null;
  deltas: Delta[];
  passRateBins: string[];
  /** Per commit: samples per minute since the commit before (null where the shard times are unknown) and acceptance. */
  timeline: { commit: number; at: string | null; samples: number; samplesPerMinute: number | null; acceptance: number | null }[];
}

export function reportData(figures: BuildFigures, previous: BuildFigures | null = null): ReportData {
  let before = Date.parse(figures.createdAt);
  const timeline = figures.timeline.map((c) => {
    const at = c.at === null ? NaN : Date.parse(c.at);
    const minutes = (at - before) / 60_000;
    if (Number.isFinite(at)) before = at;
    return { commit: c.commit, at: c.at, samples: c.samples, samplesPerMinute: Number.isFinite(minutes) && minutes > 0 ? c.samples / minutes : null, acceptance: c.samples > 0 ? c.accepted / c.samples : null };
  });
  return { figures, previous, deltas: previous ? compareFigures(figures, previous) : [], passRateBins: [...PASS_RATE_BINS], timeline };
}
