/// <reference lib="dom" />
/**
 * Runs in the report page (bundled with Observable Plot by esbuild and inlined): reads the figures from the page's
 * JSON block and draws each `<figure data-chart=NAME>`. Nothing is fetched. A chart that fails to draw says so in
 * its figure and on the console, so the page test sees it.
 */
import * as Plot from '@observablehq/plot';
import type { ReportData } from '../report-data.ts';

const WIDTH = 640;
/** Room on the right for facet labels (domain, accepted/rejected, measure). */
const FACET_MARGIN = 130;
const ACCEPTED = '#2f9e44';
const REJECTED = '#e8590c';
const PREVIOUS = '#adb5bd';
const CURRENT = '#1c7ed6';

type Draw = (d: ReportData) => SVGSVGElement | HTMLElement | null;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

const charts: Record<string, Draw> = {
  'acceptance-by-domain': (d) => {
    const rows = d.figures.byDomain.map((g) => ({ domain: g.name, build: 'this build', rate: g.samples ? g.accepted / g.samples : 0 }));
    if (d.previous) for (const g of d.previous.byDomain) rows.push({ domain: g.name, build: 'previous', rate: g.samples ? g.accepted / g.samples : 0 });
    return Plot.plot({
      width: WIDTH,
      height: 60 + 34 * new Set(rows.map((r) => r.domain)).size * (d.previous ? 2 : 1),
      marginLeft: 110,
      marginRight: d.previous ? FACET_MARGIN : 40,
      x: { label: 'accepted samples', tickFormat: '%', domain: [0, 1], grid: true },
      y: { label: null },
      fy: d.previous ? { label: null } : undefined,
      color: { domain: ['this build', 'previous'], range: [CURRENT, PREVIOUS], legend: Boolean(d.previous) },
      marks: [
        Plot.barX(rows, { y: d.previous ? 'build' : 'domain', fy: d.previous ? 'domain' : undefined, x: 'rate', fill: 'build', tip: true, title: (r: (typeof rows)[number]) => `${r.domain} (${r.build}): ${pct(r.rate)}` }),
        Plot.text(rows, { y: d.previous ? 'build' : 'domain', fy: d.previous ? 'domain' : undefined, x: 'rate', text: (r: (typeof rows)[number]) => pct(r.rate), dx: 4, textAnchor: 'start' }),
        Plot.ruleX([0]),
      ],
    });
  },
  'verdicts-by-judge': (d) => {
    const rows = d.figures.byJudge.flatMap((j) => (['pass', 'fail', 'error'] as const).map((v) => ({ judge: j.judge, verdict: v, count: j[v] })));
    return Plot.plot({
      width: WIDTH,
      height: 60 + 30 * d.figures.byJudge.length,
      marginLeft: 110,
      x: { label: 'verdicts', grid: true },
      y: { label: null },
      color: { domain: ['pass', 'fail', 'error'], range: [ACCEPTED, REJECTED, '#868e96'], legend: true },
      marks: [Plot.barX(rows, { y: 'judge', x: 'count', fill: 'verdict', tip: true }), Plot.ruleX([0])],
    });
  },
  'rejection-categories': (d) => {
    const rows = d.figures.rejections.slice(0, 15).map((r) => ({ ...r, label: `${r.judge}: ${r.category.length > 60 ? `${r.category.slice(0, 57)}…` : r.category}` }));
    if (rows.length === 0) return null;
    return Plot.plot({
      width: WIDTH,
      height: 50 + 24 * rows.length,
      marginLeft: 300,
      x: { label: 'failed verdicts', grid: true },
      y: { label: null, domain: rows.map((r) => r.label) },
      color: { legend: true },
      marks: [Plot.barX(rows, { y: 'label', x: 'count', fill: 'judge', tip: true, title: (r: (typeof rows)[number]) => `${r.judge}: ${r.category}\n${r.count} × (e.g. ${r.example})` }), Plot.ruleX([0])],
    });
  },
  'pass-rate': (d) => {
    const bins = d.passRateBins;
    const domains = [...new Set(d.figures.passRate.map((p) => p.domain))];
    const rows = domains.flatMap((domain) => bins.map((label, bin) => ({ domain, bin: label, prompts: d.figures.passRate.find((p) => p.domain === domain && p.bin === bin)?.prompts ?? 0 })));
    if (rows.length === 0) return null;
    return Plot.plot({
      width: WIDTH,
      height: 40 + 150 * domains.length,
      marginLeft: 60,
      x: { label: 'pass rate of the prompt (share of its samples accepted)', domain: bins, tickRotate: -30 },
      y: { label: 'prompts', grid: true },
      fy: { label: null },
      marginBottom: 60,
      marginRight: FACET_MARGIN,
      marks: [Plot.barY(rows, { x: 'bin', y: 'prompts', fy: 'domain', fill: (r: (typeof rows)[number]) => (r.bin === '0' || r.bin === '1' ? PREVIOUS : CURRENT), tip: true }), Plot.ruleY([0])],
    });
  },
  'token-lengths': (d) => {
    const rows = d.figures.lengths.bins.flatMap((b) => [
      { set: 'accepted', lo: b.lo, hi: b.hi ?? b.lo + d.figures.lengths.binWidth, count: b.accepted },
      { set: 'rejected', lo: b.lo, hi: b.hi ?? b.lo + d.figures.lengths.binWidth, count: b.rejected },
    ]);
    if (rows.length === 0) return null;
    return Plot.plot({
      width: WIDTH,
      height: 360,
      marginRight: FACET_MARGIN,
      x: { label: 'completion tokens (last bin: this and more)' },
      y: { label: 'samples', grid: true },
      fy: { label: null },
      color: { domain: ['accepted', 'rejected'], range: [ACCEPTED, REJECTED], legend: true },
      marks: [Plot.rectY(rows, { x1: 'lo', x2: 'hi', y: 'count', fill: 'set', fy: 'set', inset: 0.5, tip: true }), Plot.ruleY([0])],
    });
  },
  'samples-per-selected': (d) => {
    const rows = d.figures.byDomain.filter((g) => g.selected > 0).map((g) => ({ domain: g.name, ratio: g.samples / g.selected }));
    if (rows.length === 0) return null;
    return Plot.plot({
      width: WIDTH,
      height: 60 + 30 * rows.length,
      marginLeft: 110,
      x: { label: 'samples spent per selected example', grid: true },
      y: { label: null },
      marks: [Plot.barX(rows, { y: 'domain', x: 'ratio', fill: CURRENT, tip: true }), Plot.text(rows, { y: 'domain', x: 'ratio', text: (r: (typeof rows)[number]) => r.ratio.toFixed(2), dx: 4, textAnchor: 'start' }), Plot.ruleX([0])],
    });
  },
  'samples-per-prompt': (d) => {
    const rows = d.figures.samplesPerPrompt.flatMap((s) => [
      { samples: s.samples, outcome: 'gave a selected example', prompts: s.withSelected },
      { samples: s.samples, outcome: 'gave none', prompts: s.withoutSelected },
    ]);
    if (rows.length === 0) return null;
    return Plot.plot({
      width: WIDTH,
      height: 260,
      x: { label: 'samples drawn for the prompt', type: 'band' },
      y: { label: 'prompts', grid: true },
      color: { domain: ['gave a selected example', 'gave none'], range: [ACCEPTED, REJECTED], legend: true },
      marks: [Plot.barY(rows, { x: 'samples', y: 'prompts', fill: 'outcome', tip: true }), Plot.ruleY([0])],
    });
  },
  timeline: (d) => {
    const t = d.timeline;
    if (t.length === 0) return null;
    // Two plots, each with its own y scale (a faceted plot would share one: acceptance in [0, 1] next to hundreds).
    const one = (label: string, value: (c: (typeof t)[number]) => number | null, format?: string) => {
      const rows = t.map((c) => ({ commit: c.commit, value: value(c) })).filter((r): r is { commit: number; value: number } => r.value !== null);
      return Plot.plot({
        width: WIDTH,
        height: 170,
        x: { label: 'commit', tickFormat: 'd', domain: [Math.min(...t.map((c) => c.commit)) - 0.5, Math.max(...t.map((c) => c.commit)) + 0.5], ticks: t.length <= 12 ? t.map((c) => c.commit) : 10 },
        y: { label, grid: true, zero: true, tickFormat: format },
        marks: [Plot.lineY(rows, { x: 'commit', y: 'value', stroke: CURRENT, marker: rows.length <= 60 ? 'circle' : undefined, tip: true })],
      });
    };
    const box = document.createElement('div');
    box.append(one('samples per minute', (c) => c.samplesPerMinute), one('acceptance', (c) => c.acceptance, '%'));
    return box;
  },
};

function draw(): void {
  const el = document.getElementById('report-data');
  if (!el) throw new Error('report page: no #report-data block');
  const data = JSON.parse(el.textContent ?? '') as ReportData;
  for (const figure of document.querySelectorAll<HTMLElement>('figure[data-chart]')) {
    const name = figure.dataset.chart!;
    const slot = figure.querySelector('.chart')!;
    try {
      const chart = charts[name]?.(data);
      if (chart) {
        slot.replaceChildren(chart);
        figure.dataset.drawn = 'true';
      } else {
        slot.textContent = 'Nothing to draw in this build.';
        figure.dataset.drawn = 'empty';
      }
    } catch (e) {
      figure.dataset.drawn = 'failed';
      slot.textContent = `This chart could not be drawn: ${(e as Error).message}`;
      console.error(`report chart ${name}:`, e);
    }
  }
  document.body.dataset.chartsDrawn = 'true';
}

draw();
