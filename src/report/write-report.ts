import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildFigures, type BuildFigures, type FigureOptions } from '../sinks/build-figures.ts';
import { chartBundle } from './chart-bundle.ts';
import { reportData } from './report-data.ts';
import { reportPage } from './report-page.ts';

/** Where `distillery report DIR` and `distillery run` write the page unless told otherwise. */
export const REPORT_FILE = 'report.html';

export interface WriteReportOptions extends FigureOptions {
  /** The HTML file (default DIR/report.html). */
  out?: string;
  /** A previous build to compare with (the nightly view). */
  compare?: string;
}

/** Compute the figures of a build (and of the previous one) through DuckDB and write the report page. */
export async function writeReport(dir: string, opts: WriteReportOptions = {}): Promise<{ file: string; bytes: number; level: string }> {
  const figures = await buildFigures(dir, undefined, opts);
  const previous = opts.compare ? await buildFigures(opts.compare, undefined, opts) : null;
  return writeReportOf(figures, previous, opts.out ?? join(dir, REPORT_FILE));
}

/** Write the page of figures already computed (the end of a build computes them once for the card and the page). */
export async function writeReportOf(figures: BuildFigures, previous: BuildFigures | null, file: string): Promise<{ file: string; bytes: number; level: string }> {
  const html = reportPage(reportData(figures, previous), chartBundle());
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, html);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { file, bytes: Buffer.byteLength(html), level: figures.health.level };
}
