import type { BuildFigures, ExamplePrompt, GroupFigures } from '../sinks/build-figures.ts';
import { formatBytes } from '../sinks/units.ts';
import type { Delta } from './compare.ts';
import type { ReportData } from './report-data.ts';

/**
 * The report page: one self-contained HTML file. Tables and text are rendered here (readable without scripts);
 * the charts are drawn in the browser by the inlined bundle (Observable Plot) from the JSON block. No fonts,
 * images or scripts are fetched: the page opens from disk, offline.
 */
export function reportPage(data: ReportData, chartScript: string): string {
  const f = data.figures;
  const title = `${f.pipeline}: build report`;
  const json = JSON.stringify(data).replace(/</g, '\\u003c'); // no "</script>" inside the block
  const script = chartScript.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${esc(f.pipeline)} <small>build report</small></h1>
<p class="health ${f.health.level}" data-figure="health" data-level="${f.health.level}">${esc(f.health.line)}</p>
${summary(f)}
<p class="meta">${esc(f.dir)} · config <code>${esc(f.configHash.slice(0, 12))}</code> · code <code>${esc(f.codeVersion)}</code> · ${f.commits} commits · ${f.finished ? 'finished' : 'not finished'} · ${esc(f.updatedAt)}${data.previous ? ` · compared with <code>${esc(data.previous.dir)}</code> (${esc(data.previous.updatedAt)})` : ''}</p>
<nav>${SECTIONS.filter(([id]) => id !== 'compare' || data.previous).map(([id, name]) => `<a href="#${id}">${name}</a>`).join(' · ')}</nav>
</header>
<main>
${data.previous ? section('compare', 'Against the previous build', deltaTable(data.deltas)) : ''}
${section('acceptance', 'Acceptance', chart('acceptance-by-domain', 'Accepted share of samples, by domain') + groupTable('domain', f.byDomain) + chart('verdicts-by-judge', 'Verdicts by judge (error: the judge could not decide; never counted as a failure)') + judgeTable(f))}
${section('rejections', 'Why samples were rejected', `<p>${f.rejectionGrouping === 'category' ? 'Failed verdicts by the category each judge gives.' : 'Failed verdicts by reason, numbers and quoted text normalised away (N), until the judges give a category.'}</p>` + chart('rejection-categories', 'Top rejection categories') + rejectionTable(f))}
${section('pass-rate', 'Pass rate of prompts', '<p>The share of each prompt\'s samples that passed. Prompts at 0 (never solved) and 1 (always solved) teach the least; the spread between is what rejection sampling selects from.</p>' + chart('pass-rate', 'Prompts by pass rate, per domain'))}
${section('lengths', 'Token lengths', chart('token-lengths', `Completion tokens of accepted vs rejected samples (bins of ${f.lengths.binWidth.toLocaleString('en-US')} tokens)`) + lengthTable(f))}
${section('agreement', 'Rule vs generative judges', agreementTable(f))}
${section('spent', 'Samples spent per selected example', chart('samples-per-selected', 'Samples spent per selected example, by domain') + chart('samples-per-prompt', 'Samples drawn per prompt'))}
${section('over-time', 'Over the build', chart('timeline', 'Throughput and acceptance per commit (time: when the commit wrote its shards)') + corporaTable(f) + excludedTable(f))}
${section('examples', 'Examples', examples(f.examples))}
</main>
<script type="application/json" id="report-data">${json}</script>
<script>${script}</script>
</body>
</html>
`;
}

const SECTIONS: [string, string][] = [
  ['compare', 'vs previous'],
  ['acceptance', 'acceptance'],
  ['rejections', 'rejections'],
  ['pass-rate', 'pass rate'],
  ['lengths', 'lengths'],
  ['agreement', 'agreement'],
  ['spent', 'samples spent'],
  ['over-time', 'over the build'],
  ['examples', 'examples'],
];

/** Cells that read as numbers ("1,024", "38.5%", "+2.1 pp", "14.22", "3.23 kB") are right-aligned. */
const NUMERIC = /^[-+]?[\d,.]+( ?%| pp| [kMGT]?B)?$/;
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const int = (n: number) => n.toLocaleString('en-US');
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '–');
const tok = (n: number) => int(Math.round(n));

function section(id: string, title: string, body: string): string {
  return `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`;
}

function chart(name: string, caption: string): string {
  return `<figure data-chart="${name}"><figcaption>${esc(caption)}</figcaption><div class="chart">Drawing…</div></figure>`;
}

/** A table whose cells carry `data-col` so tests (and users' scripts) can read figures back. */
function table(name: string, head: string[], rows: (string | number)[][], rowKeys?: string[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const tr = rows
    .map((r, i) => `<tr${rowKeys ? ` data-key="${esc(rowKeys[i])}"` : ''}>${r.map((c, j) => `<td data-col="${esc(head[j])}"${typeof c === 'number' || NUMERIC.test(c) ? ' class="n"' : ''}>${esc(typeof c === 'number' ? int(c) : c)}</td>`).join('')}</tr>`)
    .join('');
  return `<table data-table="${name}"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function summary(f: BuildFigures): string {
  const t = f.totals;
  const items: [string, string, string][] = [
    ['prompts', int(t.prompts), 'prompts'],
    ['samples', int(t.samples), 'samples'],
    ['accepted', `${int(t.accepted)} (${pct(t.accepted, t.samples)})`, 'accepted'],
    ['selected', int(t.selected), 'selected examples'],
    ['spent', t.selected ? (t.samples / t.selected).toFixed(2) : '–', 'samples per selected'],
  ];
  return `<dl class="summary">${items.map(([k, v, label]) => `<div><dt>${esc(label)}</dt><dd data-figure="${k}">${esc(v)}</dd></div>`).join('')}</dl>`;
}

function groupTable(label: string, groups: GroupFigures[]): string {
  return table(
    `by-${label}`,
    [label, 'prompts', 'samples', 'accepted', 'accept rate', 'selected', 'samples per selected'],
    groups.map((g) => [g.name, g.prompts, g.samples, g.accepted, pct(g.accepted, g.samples), g.selected, g.selected ? (g.samples / g.selected).toFixed(2) : '–']),
    groups.map((g) => g.name),
  );
}

function judgeTable(f: BuildFigures): string {
  return table('by-judge', ['judge', 'pass', 'fail', 'error', 'pass rate of decided'], f.byJudge.map((j) => [j.judge, j.pass, j.fail, j.error, pct(j.pass, j.pass + j.fail)]), f.byJudge.map((j) => j.judge));
}

function rejectionTable(f: BuildFigures): string {
  if (f.rejections.length === 0) return '<p>No failed verdicts.</p>';
  const failed = f.byJudge.reduce((a, j) => a + j.fail, 0);
  return table('rejections', ['judge', 'category', 'failed verdicts', 'share of failures', 'example reason'], f.rejections.map((r) => [r.judge, r.category, r.count, pct(r.count, failed), r.example]), f.rejections.map((r) => `${r.judge}: ${r.category}`));
}

function lengthTable(f: BuildFigures): string {
  return table('lengths', ['samples', 'count', 'mean', 'p10', 'median', 'p90', 'p99', 'max'], f.lengths.percentiles.map((p) => [p.set, p.samples, tok(p.mean), tok(p.p10), tok(p.p50), tok(p.p90), tok(p.p99), p.max]), f.lengths.percentiles.map((p) => p.set));
}

function agreementTable(f: BuildFigures): string {
  if (f.agreement.length === 0) return '<p data-figure="agreement">No generative judge answers the same question as a rule judge in this pipeline, so there is no rule-vs-generative agreement to show (judges that answer different questions, e.g. format and math, are not compared).</p>';
  return (
    '<p>Only between judges that answer the same question (a generative judge in correctness mode and the rule judge it checks), on the samples both decided.</p>' +
    table('agreement', ['rule judge', 'generative judge', 'both decided', 'agree', 'agreement', 'rule fail, generative pass', 'rule pass, generative fail'], f.agreement.map((a) => [a.rule, a.generative, a.both, a.agree, pct(a.agree, a.both), a.ruleFailGenerativePass, a.rulePassGenerativeFail]))
  );
}

function corporaTable(f: BuildFigures): string {
  return table('corpora', ['corpus', 'shards', 'rows (DuckDB)', 'rows (manifest)', 'size'], f.corpora.map((c) => [c.corpus, c.shards, c.rows, c.manifestRows, formatBytes(c.bytes)]), f.corpora.map((c) => c.corpus));
}

function excludedTable(f: BuildFigures): string {
  if (f.excluded.length === 0) return '<p>No input rows were excluded.</p>';
  return '<h3>Excluded input</h3>' + table('excluded', ['reason', 'rows'], f.excluded.map((e) => [e.reason, e.rows]), f.excluded.map((e) => e.reason));
}

function deltaTable(deltas: Delta[]): string {
  const show = (v: number | null, unit: Delta['unit']) => (v === null ? '–' : unit === 'rate' ? `${(100 * v).toFixed(1)}%` : unit === 'ratio' ? v.toFixed(2) : int(Math.round(v)));
  const delta = (d: Delta) => {
    if (d.delta === null) return '–';
    const v = d.unit === 'rate' ? `${(100 * d.delta).toFixed(1)} pp` : d.unit === 'ratio' ? d.delta.toFixed(2) : int(Math.round(d.delta));
    return d.delta > 0 ? `+${v}` : v;
  };
  return table('deltas', ['group', 'figure', 'previous', 'this build', 'change'], deltas.map((d) => [d.group, d.name, show(d.previous, d.unit), show(d.current, d.unit), delta(d)]), deltas.map((d) => `${d.group}: ${d.name}`));
}

function examples(list: ExamplePrompt[]): string {
  if (list.length === 0) return '<p>No samples.</p>';
  const sample = (s: ExamplePrompt['samples'][number]) =>
    `<article class="sample ${s.accepted ? 'ok' : 'no'}"><h4>sample ${s.index} · ${s.accepted ? (s.selected ? 'accepted, selected' : 'accepted') : 'rejected'} · ${int(s.completionTokens)} tokens${s.finishReason !== 'stop' ? ` · ${esc(s.finishReason)}` : ''}</h4>` +
    `<ul class="verdicts">${s.verdicts.map((v) => `<li class="${esc(v.verdict)}"><b>${esc(v.judge)}</b> ${esc(v.verdict)}${v.category ? ` <i>${esc(v.category)}</i>` : ''}: ${esc(v.reason)}</li>`).join('')}</ul>` +
    `<details><summary>reasoning</summary><pre>${esc(s.reasoning)}</pre></details><pre class="answer">${esc(s.answer)}</pre></article>`;
  return list
    .map((e) => {
      const ok = e.samples.filter((s) => s.accepted);
      const no = e.samples.filter((s) => !s.accepted);
      return `<div class="example" data-prompt="${esc(e.promptId)}"><h3>${esc(e.promptId)} <small>${esc(e.domain)} · pass rate ${e.passRate.toFixed(3)}</small></h3><pre class="prompt">${esc(e.prompt)}</pre>${e.reference !== null ? `<p>reference: <code>${esc(e.reference)}</code></p>` : ''}<div class="sides"><div><h4>accepted</h4>${ok.map(sample).join('') || '<p>none</p>'}</div><div><h4>rejected</h4>${no.map(sample).join('') || '<p>none</p>'}</div></div></div>`;
    })
    .join('');
}

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #212529; background: #fff; }
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px 64px; line-height: 1.4; }
h1 small, h3 small { color: #868e96; font-weight: normal; font-size: 60%; }
.health { padding: 10px 14px; border-radius: 6px; font-weight: 600; margin: 8px 0; }
.health.good { background: #ebfbee; border-left: 6px solid #2f9e44; }
.health.warning { background: #fff9db; border-left: 6px solid #f59f00; }
.health.bad { background: #fff5f5; border-left: 6px solid #e03131; }
.summary { display: flex; gap: 24px; flex-wrap: wrap; margin: 12px 0; }
.summary div { min-width: 120px; } .summary dt { color: #868e96; font-size: 85%; } .summary dd { margin: 0; font-size: 150%; font-weight: 600; }
.meta { color: #868e96; font-size: 85%; } nav { margin: 8px 0 16px; } nav a { color: #1c7ed6; }
section { border-top: 1px solid #dee2e6; padding-top: 8px; margin-top: 24px; }
figure { margin: 12px 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 90%; }
th, td { border-bottom: 1px solid #e9ecef; padding: 3px 10px; text-align: left; vertical-align: top; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; word-break: break-word; background: #f8f9fa; padding: 6px 8px; border-radius: 4px; margin: 4px 0; font-size: 85%; }
.example { border: 1px solid #dee2e6; border-radius: 6px; padding: 8px 12px; margin: 12px 0; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.sample { border-left: 4px solid #adb5bd; padding-left: 8px; margin: 8px 0; } .sample.ok { border-color: #2f9e44; } .sample.no { border-color: #e8590c; }
.sample h4 { margin: 2px 0; font-size: 90%; } .verdicts { margin: 4px 0; padding-left: 18px; font-size: 85%; }
.verdicts li.fail { color: #c92a2a; } .verdicts li.error { color: #868e96; }
`;
