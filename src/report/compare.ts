import type { BuildFigures } from '../sinks/build-figures.ts';

/** One figure of two builds: the nightly view of `distillery report DIR --compare PREV_DIR`. */
export interface Delta {
  group: string;
  name: string;
  unit: 'count' | 'rate' | 'tokens' | 'ratio';
  previous: number | null;
  current: number | null;
  /** current − previous (percentage points for rates); null when either side lacks the figure. */
  delta: number | null;
}

const rate = (a: number, b: number) => (b > 0 ? a / b : null);

/** The figures that say whether a build got better or worse than the previous one, side by side. */
export function compareFigures(current: BuildFigures, previous: BuildFigures): Delta[] {
  const out: Delta[] = [];
  const add = (group: string, name: string, unit: Delta['unit'], cur: number | null, prev: number | null) =>
    out.push({ group, name, unit, current: cur, previous: prev, delta: cur === null || prev === null ? null : cur - prev });
  const c = current.totals;
  const p = previous.totals;
  add('build', 'prompts', 'count', c.prompts, p.prompts);
  add('build', 'samples', 'count', c.samples, p.samples);
  add('build', 'acceptance', 'rate', rate(c.accepted, c.samples), rate(p.accepted, p.samples));
  add('build', 'selected examples', 'count', c.selected, p.selected);
  add('build', 'samples per selected', 'ratio', c.selected ? c.samples / c.selected : null, p.selected ? p.samples / p.selected : null);
  add('health', 'backend errors', 'count', c.backendErrors, p.backendErrors);
  add('health', 'judge errors', 'count', c.judgeErrors, p.judgeErrors);
  add('health', 'quarantined input rows', 'count', current.health.quarantined, previous.health.quarantined);
  add('health', 'exact duplicates dropped', 'count', current.health.duplicatesDropped, previous.health.duplicatesDropped);

  for (const name of union(current.byDomain.map((d) => d.name), previous.byDomain.map((d) => d.name))) {
    const a = current.byDomain.find((d) => d.name === name);
    const b = previous.byDomain.find((d) => d.name === name);
    add('acceptance by domain', name, 'rate', a ? rate(a.accepted, a.samples) : null, b ? rate(b.accepted, b.samples) : null);
  }
  for (const name of union(current.byJudge.map((j) => j.judge), previous.byJudge.map((j) => j.judge))) {
    const a = current.byJudge.find((j) => j.judge === name);
    const b = previous.byJudge.find((j) => j.judge === name);
    add('pass rate by judge (decided)', name, 'rate', a ? rate(a.pass, a.pass + a.fail) : null, b ? rate(b.pass, b.pass + b.fail) : null);
  }
  // Rejection categories as a share of all failed verdicts, so builds of different sizes compare.
  const failures = (f: BuildFigures) => f.byJudge.reduce((s, j) => s + j.fail, 0);
  const key = (r: { judge: string; category: string }) => `${r.judge}: ${r.category}`;
  const top = union(current.rejections.slice(0, 10).map(key), previous.rejections.slice(0, 10).map(key));
  for (const k of top) {
    const a = current.rejections.find((r) => key(r) === k);
    const b = previous.rejections.find((r) => key(r) === k);
    add('share of failed verdicts', k, 'rate', rate(a?.count ?? 0, failures(current)), rate(b?.count ?? 0, failures(previous)));
  }
  for (const set of ['accepted', 'rejected', 'selected'] as const) {
    const a = current.lengths.percentiles.find((x) => x.set === set);
    const b = previous.lengths.percentiles.find((x) => x.set === set);
    add('completion tokens', `${set} median`, 'tokens', a?.p50 ?? null, b?.p50 ?? null);
    add('completion tokens', `${set} p90`, 'tokens', a?.p90 ?? null, b?.p90 ?? null);
  }
  return out;
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
