/**
 * `distillery report` end to end: two small builds written by the real Parquet store, the CLI writes the page
 * (and the page against the previous build), and a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens it from disk: no console errors or exceptions, nothing fetched, every chart drawn with its
 * marks counted, a screenshot that is not blank, and the numbers on the page equal DuckDB queries over the shards.
 * Skips, saying why, where no Chromium is installed (.ci/run installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { OutputConfig } from '../schemas/pipeline.ts';
import type { ChunkRows } from '../src/sinks/build-store.ts';
import { openParquetBuildStore } from '../src/sinks/parquet-build-store.ts';
import { chunkRows } from './support/corpus-rows.ts';
import { duckObjects } from './support/duckdb-query.ts';

const run = promisify(execFile);
const bin = new URL('../bin/distillery.mjs', import.meta.url).pathname;

function chromiumPath(): string | null {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (p && existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** chunkRows with varied outcomes: prompt p gets p mod (k+1) accepted samples, and a generative correctness verdict. */
function variedRows(from: number, to: number, k: number, seed: number): ChunkRows {
  const rows = chunkRows(from, to, { k, meanChars: 400, seed });
  for (const s of rows.samples) {
    const p = Number(s.prompt_id.slice(1));
    const good = (p + seed) % (k + 1);
    s.accepted = s.sample_index < good;
    s.selected = s.sample_index === 0 && good > 0;
    s.pass_rate = good / k;
    const math = s.verdicts.find((v) => v.judge === 'math')!;
    math.verdict = s.accepted ? 'pass' : 'fail';
    math.category = s.accepted ? 'ok' : 'wrong_answer';
    math.reason = s.accepted ? 'equivalent' : `${s.reference} ≠ ${Number(s.reference) + s.sample_index}`;
    // The generative judge agrees with math except on every fifth sample; one in 16 it cannot decide.
    const gen = s.sample_index % 16 === 15 ? 'error' : (s.sample_index % 5 === 4) !== s.accepted ? 'pass' : 'fail';
    s.verdicts.push({ judge: 'generative', verdict: gen, category: gen === 'error' ? 'judge_unreadable' : gen === 'pass' ? 'ok' : 'wrong_answer', score: null, reason: gen === 'error' ? 'judge output unreadable as a verdict' : 'teacher judged the final answer', detail_json: null });
  }
  rows.sft = rows.sft.filter((r) => rows.samples.some((s) => s.key === r.id && s.selected));
  rows.distill = rows.distill.filter((r) => rows.samples.some((s) => s.key === r.id && s.selected));
  return rows;
}

async function build(prompts: number, seed: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'distillery-report-'));
  const store = openParquetBuildStore(dir, OutputConfig.parse({ shardRows: 200 }), { workers: 1 });
  const config = { name: 'report-test', judges: [{ name: 'format' }, { name: 'math' }, { name: 'generative', mode: 'correctness', ruleJudge: 'math' }] };
  await store.open({ pipeline: 'report-test', config, configHash: String(seed).repeat(64).slice(0, 64), codeVersion: 'test', inputs: [] });
  const half = Math.floor(prompts / 2);
  const first = variedRows(0, half, 8, seed);
  first.quarantine.push({ file: 'in.jsonl', line: 3, reason: 'near-duplicate: of p0000001 (estimated Jaccard 0.91)', raw: '{}' });
  await store.commit(first, { duplicates: 2 });
  await store.commit(variedRows(half, prompts, 8, seed), { duplicates: 3 });
  await store.finish({ totals: { duplicates: 3 } });
  await store.close();
  return dir;
}

test('distillery report: a self-contained page that Chromium draws from disk, with the numbers of the shards', async (t) => {
  const chromium = chromiumPath();
  if (!chromium) return t.skip('no chromium installed (apt-get install chromium; .ci/run does): cannot open the page');
  const { chromium: launcher } = await import('playwright-core');
  const t0 = performance.now();
  const [dir, prev, outDir] = await Promise.all([build(60, 1), build(40, 2), mkdtemp(join(tmpdir(), 'distillery-report-page-'))]);
  t.after(() => Promise.all([dir, prev, outDir].map((d) => rm(d, { recursive: true, force: true }))));
  const t1 = performance.now();

  const page1 = join(outDir, 'report.html');
  const page2 = join(outDir, 'nightly.html');
  const [a] = await Promise.all([run(process.execPath, [bin, 'report', dir, '--out', page1]), run(process.execPath, [bin, 'report', dir, '--compare', prev, '--out', page2])]);
  assert.match(a.stdout, /report: .*report\.html \([\d.]+ kB, build good\)/);
  t.diagnostic(`builds ${Math.round(t1 - t0)} ms, reports ${Math.round(performance.now() - t1)} ms`);
  const html = await readFile(page1, 'utf8');
  assert.ok((await stat(page1)).size < 1_000_000, 'the page stays small');
  assert.ok(!/<script[^>]+src=|<link[^>]+href=|@import|url\(http/i.test(html), 'no external script, style or font');

  const browser = await launcher.launch({ executablePath: chromium, args: ['--no-sandbox', '--disable-gpu'] });
  t.after(() => browser.close());
  const open = async (file: string) => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`console ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith('file:') && !r.url().startsWith('data:') && problems.push(`fetched ${r.url()}`));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-charts-drawn="true"]', { timeout: 30_000 });
    return { page, problems };
  };

  const { page, problems } = await open(page1);
  assert.deepEqual(problems, []);
  // Every chart drawn, its marks counted (Plot puts each mark's elements under a <g aria-label=MARK>).
  const charts = await page.$$eval('figure[data-chart]', (figs) =>
    figs.map((f) => ({
      name: (f as HTMLElement).dataset.chart!,
      drawn: (f as HTMLElement).dataset.drawn,
      marks: f.querySelectorAll('svg g[aria-label="bar"] rect, svg g[aria-label="rect"] rect, svg g[aria-label="line"] path').length,
      bars: f.querySelectorAll('svg g[aria-label="bar"] rect').length,
    })),
  );
  assert.deepEqual(charts.map((c) => c.name).sort(), ['acceptance-by-domain', 'pass-rate', 'rejection-categories', 'samples-per-prompt', 'samples-per-selected', 'timeline', 'token-lengths', 'verdicts-by-judge']);
  for (const c of charts) {
    assert.equal(c.drawn, 'true', `${c.name} drawn`);
    assert.ok(c.marks > 0, `${c.name}: ${c.marks} marks`);
  }
  const S = `read_parquet('${dir}/samples/*.parquet')`;
  const domains = await duckObjects<{ domain: string; samples: bigint; accepted: bigint; selected: bigint }>(`SELECT domain, count(*) AS samples, count(*) FILTER (WHERE accepted) AS accepted, count(*) FILTER (WHERE selected) AS selected FROM ${S} GROUP BY domain`);
  assert.equal(charts.find((c) => c.name === 'acceptance-by-domain')!.bars, domains.length, 'one bar a domain');
  const judges = await duckObjects<{ n: bigint }>(`SELECT count(DISTINCT v.judge) AS n FROM ${S}, unnest(verdicts) AS u(v)`);
  assert.equal(charts.find((c) => c.name === 'verdicts-by-judge')!.bars, 3 * Number(judges[0].n), 'pass, fail and error bars for each judge');
  assert.equal(charts.find((c) => c.name === 'timeline')!.marks, 2, 'throughput and acceptance lines');

  // The numbers shown are DuckDB's over the shards.
  const cell = (table: string, key: string, col: string) => page.$eval(`table[data-table="${table}"] tr[data-key="${key}"] td[data-col="${col}"]`, (td) => td.textContent!.replace(/,/g, ''));
  for (const d of domains) {
    assert.equal(await cell('by-domain', d.domain, 'samples'), String(d.samples), `${d.domain} samples`);
    assert.equal(await cell('by-domain', d.domain, 'accepted'), String(d.accepted), `${d.domain} accepted`);
    assert.equal(await cell('by-domain', d.domain, 'selected'), String(d.selected), `${d.domain} selected`);
  }
  const [tot] = await duckObjects<{ samples: bigint; prompts: bigint }>(`SELECT count(*) AS samples, count(DISTINCT prompt_id) AS prompts FROM ${S}`);
  assert.equal(await page.$eval('[data-figure="samples"]', (e) => e.textContent!.replace(/,/g, '')), String(tot.samples));
  assert.equal(await page.$eval('[data-figure="prompts"]', (e) => e.textContent!.replace(/,/g, '')), String(tot.prompts));
  const [gen] = await duckObjects<{ error: bigint }>(`SELECT count(*) FILTER (WHERE v.verdict = 'error') AS error FROM ${S}, unnest(verdicts) AS u(v) WHERE v.judge = 'generative'`);
  assert.equal(await cell('by-judge', 'generative', 'error'), String(gen.error));
  const [len] = await duckObjects<{ p50: number; p90: number }>(`SELECT quantile_cont(completion_tokens, 0.5) AS p50, quantile_cont(completion_tokens, 0.9) AS p90 FROM ${S} WHERE NOT accepted`);
  assert.equal(await cell('lengths', 'rejected', 'median'), String(Math.round(len.p50)));
  assert.equal(await cell('lengths', 'rejected', 'p90'), String(Math.round(len.p90)));
  const [agree] = await duckObjects<{ both: bigint; agree: bigint }>(
    `SELECT count(*) AS both, count(*) FILTER (WHERE m.verdict = g.verdict) AS agree FROM (SELECT list_filter(verdicts, v -> v.judge = 'math')[1] AS m, list_filter(verdicts, v -> v.judge = 'generative')[1] AS g FROM ${S}) WHERE m.verdict IN ('pass', 'fail') AND g.verdict IN ('pass', 'fail')`,
  );
  assert.equal(await page.$eval('table[data-table="agreement"] td[data-col="both decided"]', (e) => e.textContent!.replace(/,/g, '')), String(agree.both));
  assert.equal(await page.$eval('table[data-table="agreement"] td[data-col="agree"]', (e) => e.textContent!.replace(/,/g, '')), String(agree.agree));
  assert.equal(await page.$$eval('table[data-table="agreement"] tbody tr', (r) => r.length), 1, 'format is not compared with math: only math vs generative');
  const [fails] = await duckObjects<{ n: bigint }>(`SELECT count(*) AS n FROM ${S}, unnest(verdicts) AS u(v) WHERE v.judge = 'math' AND v.verdict = 'fail'`);
  assert.equal(await cell('rejections', 'math: wrong_answer', 'failed verdicts'), String(fails.n), 'math failures grouped by their category');
  assert.match(await page.$eval('[data-figure="health"]', (e) => e.textContent!), /^Healthy: .*1 input rows quarantined \(1 near-duplicates\); 3 exact duplicates dropped; \d+ of \d+ shards match the manifest\./);
  assert.ok((await page.$$('.example')).length > 0, 'examples shown');
  assert.ok((await page.$$('.example .sample.ok')).length > 0 && (await page.$$('.example .sample.no')).length > 0, 'accepted and rejected samples side by side');

  // Not blank: the screenshot has many non-white pixels (decoded by the browser itself, in a blank page).
  const png = await page.screenshot({ fullPage: false });
  const blank = await browser.newPage();
  const inked = await blank.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d')!;
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235) n++;
    return n / (px.length / 4);
  }, png.toString('base64'));
  assert.ok(inked > 0.02, `the screenshot is not blank (${(100 * inked).toFixed(1)}% of pixels inked)`);
  if (process.env.DISTILLERY_REPORT_SCREENSHOT) await page.screenshot({ path: process.env.DISTILLERY_REPORT_SCREENSHOT, fullPage: true });

  // The nightly view: the same page with deltas against the previous build.
  const nightly = await open(page2);
  assert.deepEqual(nightly.problems, []);
  const [ptot] = await duckObjects<{ samples: bigint }>(`SELECT count(*) AS samples FROM read_parquet('${prev}/samples/*.parquet')`);
  const delta = (key: string, col: string) => nightly.page.$eval(`table[data-table="deltas"] tr[data-key="${key}"] td[data-col="${col}"]`, (td) => td.textContent!.replace(/,/g, ''));
  assert.equal(await delta('build: samples', 'previous'), String(ptot.samples));
  assert.equal(await delta('build: samples', 'this build'), String(tot.samples));
  assert.equal(await delta('build: samples', 'change'), `+${Number(tot.samples) - Number(ptot.samples)}`);
  const compared = await nightly.page.$eval('figure[data-chart="acceptance-by-domain"]', (f) => f.querySelectorAll('svg g[aria-label="bar"] rect').length);
  assert.ok(compared > domains.length, 'this build and the previous one side by side');
});

test('builds without a verdict category group rejection reasons with numbers and quoted text normalised away', async () => {
  const { NORMALISED_REASON_SQL } = await import('../src/sinks/build-figures.ts');
  const reasons = ['16 ≠ 14', '29 ≠ 19', 'expected "foo bar", got -3.5', "missing field 'problem' at line 12", 'answer differs from reference'];
  const got = await duckObjects<{ r: string }>(`SELECT ${NORMALISED_REASON_SQL('x')} AS r FROM (VALUES ${reasons.map((r) => `('${r.replaceAll("'", "''")}')`).join(', ')}) AS t(x)`);
  assert.deepEqual(got.map((g) => g.r), ['N ≠ N', 'N ≠ N', 'expected "…", got N', 'missing field "…" at line N', 'answer differs from reference']);
});
