import { createHash } from 'node:crypto';
import { buildFigures, PASS_RATE_BINS, type BuildFigures, type FigureOptions, type GroupFigures } from './build-figures.ts';
import { Manifest } from './manifest.ts';
import { formatBytes } from './units.ts';

export interface DatasetCardOptions {
  /** SPDX id or HF licence tag of the generated data (it follows the teacher model's terms). Default: the pipeline's `card.license`, else "other". */
  license?: string;
  /** ISO 639-1 codes of the data's languages. Default: the pipeline's `card.language`, else ["en"]. */
  language?: string[];
  /** One paragraph saying what the data is for. */
  description?: string;
}

/** The configs a build exposes to `datasets.load_dataset(dir, name)`, in card order (sft is the default). */
export const CARD_CONFIGS = ['sft', 'distill', 'samples', 'prefs'] as const;

/** sha256 of manifest.json exactly as the store writes it (validated, 2-space JSON, trailing newline). */
export function manifestChecksum(m: Manifest): string {
  return createHash('sha256').update(`${JSON.stringify(Manifest.parse(m), null, 2)}\n`).digest('hex');
}

const yamlString = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML double-quoted scalar
const int = (n: number) => n.toLocaleString('en-US');
const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '–');
/** A table cell: pipes escaped, one line; outside code spans `<` too (HF renders the card's HTML). */
const cell = (s: string) => {
  const one = s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return /^`.*`$/.test(one) ? one : one.replace(/</g, '&lt;');
};
const tokens = (n: number) => int(Math.round(n));

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => cell(String(c))).join(' | ')} |`;
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** HF `size_categories` tag of a row count. */
export function sizeCategory(rows: number): string {
  const steps: [number, string][] = [[1e3, 'n<1K'], [1e4, '1K<n<10K'], [1e5, '10K<n<100K'], [1e6, '100K<n<1M'], [1e7, '1M<n<10M'], [1e8, '10M<n<100M'], [1e9, '100M<n<1B']];
  return steps.find(([n]) => rows < n)?.[1] ?? 'n>1T';
}

function groupTable(label: string, groups: GroupFigures[]): string {
  if (groups.length === 0) return '_No samples._';
  return table(
    [label, 'prompts', 'samples', 'accepted', 'accept rate', 'selected (sft rows)', 'samples per selected'],
    groups.map((g) => [g.name, int(g.prompts), int(g.samples), int(g.accepted), pct(g.accepted, g.samples), int(g.selected), g.selected > 0 ? (g.samples / g.selected).toFixed(2) : '–']),
  );
}

function passRateTable(f: BuildFigures): string {
  const domains = [...new Set(f.passRate.map((p) => p.domain))].sort();
  if (domains.length === 0) return '_No samples._';
  const count = (d: string | null, bin: number) => f.passRate.filter((p) => p.bin === bin && (d === null || p.domain === d)).reduce((a, p) => a + p.prompts, 0);
  return table(['pass rate', 'prompts', ...(domains.length > 1 ? domains : [])], PASS_RATE_BINS.map((label, bin) => [label, int(count(null, bin)), ...(domains.length > 1 ? domains.map((d) => int(count(d, bin))) : [])]));
}

/** The length histogram in about ten rows (adjacent bins merged), percentiles above it. */
function lengthSection(f: BuildFigures): string {
  const p = f.lengths.percentiles;
  if (p.length === 0) return '_No samples._';
  const percentiles = table(['completion tokens', 'samples', 'mean', 'p10', 'median', 'p90', 'p99', 'max'], p.map((x) => [x.set, int(x.samples), tokens(x.mean), tokens(x.p10), tokens(x.p50), tokens(x.p90), tokens(x.p99), int(x.max)]));
  const bins = f.lengths.bins;
  const per = Math.max(1, Math.ceil(bins.length / 10));
  const merged: (string | number)[][] = [];
  const acc = bins.reduce((a, b) => a + b.accepted, 0);
  const rej = bins.reduce((a, b) => a + b.rejected, 0);
  for (let i = 0; i < bins.length; i += per) {
    const part = bins.slice(i, i + per);
    const hi = part[part.length - 1].hi;
    const a = part.reduce((x, b) => x + b.accepted, 0);
    const r = part.reduce((x, b) => x + b.rejected, 0);
    merged.push([hi === null ? `≥ ${int(part[0].lo)}` : `${int(part[0].lo)}–${int(hi - 1)}`, int(a), pct(a, acc), int(r), pct(r, rej)]);
  }
  return [percentiles, '', table(['completion tokens', 'accepted', '%', 'rejected', '%'], merged)].join('\n');
}

function judgeSection(f: BuildFigures): string {
  if (f.byJudge.length === 0) return '_No verdicts._';
  const verdicts = table(['judge', 'pass', 'fail', 'error (undecided)', 'pass rate of decided'], f.byJudge.map((j) => [j.judge, int(j.pass), int(j.fail), int(j.error), pct(j.pass, j.pass + j.fail)]));
  const failed = f.byJudge.reduce((a, j) => a + j.fail, 0);
  const how = f.rejectionGrouping === 'category' ? 'by the category each judge gives' : 'by reason, numbers and quoted text normalised away (N)';
  const rejections = f.rejections.length
    ? table(['judge', 'category', 'failed verdicts', 'share of failures', 'example reason'], f.rejections.slice(0, 10).map((r) => [r.judge, r.category, int(r.count), pct(r.count, failed), r.example]))
    : '_No failed verdicts._';
  const agreement = f.agreement.length
    ? table(['rule judge', 'generative judge', 'both decided', 'agree', 'agreement', 'rule fail, generative pass', 'rule pass, generative fail'], f.agreement.map((a) => [a.rule, a.generative, int(a.both), int(a.agree), pct(a.agree, a.both), int(a.ruleFailGenerativePass), int(a.rulePassGenerativeFail)]))
    : '_No generative judge answers the same question as a rule judge in this pipeline: no rule-vs-generative agreement to show._';
  return [verdicts, '', `### Top rejection categories`, '', `Failed verdicts grouped ${how}.`, '', rejections, '', '### Rule vs generative judges', '', 'Only between judges that answer the same question (a generative judge in correctness mode and the rule judge it checks), on the samples both decided:', '', agreement].join('\n');
}

function exampleRows(f: BuildFigures): string {
  if (f.exampleRows.length === 0) return '_No rows._';
  const value = (v: unknown) => {
    const text = (typeof v === 'string' ? v : JSON.stringify(v)).replace(/`/g, "'");
    return `\`${text.length > 400 ? `${text.slice(0, 400)}…` : text}\``;
  };
  return f.exampleRows.map(({ corpus, row }) => [`### \`${corpus}\``, '', table(['column', 'value'], Object.entries(row).map(([k, v]) => [k, value(v)])), ''].join('\n')).join('\n');
}

/**
 * The card of a build directory, its figures computed from the shards (what `distillery run` writes as README.md).
 * A build's own end passes `{ shardCheck: 'size' }`: it has just hashed the shards it wrote.
 */
export async function datasetCardOf(dir: string, manifest: Manifest, options: DatasetCardOptions = {}, figures: FigureOptions = {}): Promise<string> {
  return datasetCard(manifest, await buildFigures(dir, manifest, figures), options);
}

function cardMeta(manifest: Manifest): { license?: string; language?: string[] } {
  const c = manifest.config.card;
  if (!c || typeof c !== 'object') return {};
  const o = c as Record<string, unknown>;
  return {
    ...(typeof o.license === 'string' ? { license: o.license } : {}),
    ...(Array.isArray(o.language) ? { language: o.language.map(String) } : typeof o.language === 'string' ? { language: [o.language] } : {}),
  };
}

/**
 * The Hugging Face dataset card (README.md) of a build directory: a YAML header whose `configs` point each corpus
 * at its Parquet shards (so `datasets.load_dataset(dir, "sft")` works) with licence, language, size and task
 * metadata, then the health line, acceptance, pass rates, excluded input, token lengths, judges, one row of each
 * corpus, the pipeline config and the manifest checksum. Pure: the figures are `buildFigures` (DuckDB over the shards).
 */
export function datasetCard(manifest: Manifest, figures: BuildFigures, options: DatasetCardOptions = {}): string {
  const f = figures;
  const meta = cardMeta(manifest);
  const license = options.license ?? meta.license ?? 'other';
  const language = options.language ?? meta.language ?? ['en'];
  const present = CARD_CONFIGS.filter((c) => manifest.shards.some((s) => s.corpus === c));
  const t = manifest.totals;
  const header = [
    '---',
    `pretty_name: ${yamlString(manifest.pipeline)}`,
    `license: ${yamlString(license)}`,
    'language:',
    ...language.map((l) => `- ${yamlString(l)}`),
    'size_categories:',
    `- ${sizeCategory(Math.max(t.sft.rows, t.distill.rows))}`,
    'task_categories:',
    '- text-generation',
    'tags:',
    '- distillery',
    '- synthetic',
    '- reasoning',
    '- rejection-sampling',
    ...(present.length
      ? [
          'configs:',
          ...present.flatMap((c, i) => [
            `- config_name: ${c}`,
            ...(i === 0 ? ['  default: true'] : []),
            '  data_files:',
            '  - split: train',
            `    path: ${yamlString(`${c}/*.parquet`)}`,
          ]),
        ]
      : []),
    '---',
  ];
  const corpora = table(
    ['config', 'rows', 'shards', 'size', 'load with'],
    CARD_CONFIGS.map((c) => [c, int(t[c].rows), int(t[c].shards), formatBytes(t[c].bytes), present.includes(c) ? `load_dataset(dir, "${c}")` : '(empty: not a config)']),
  );
  const a = f.totals;
  const body = [
    `# ${manifest.pipeline}`,
    '',
    options.description ??
      'Chain-of-thought data made by rejection sampling with Distillery: a teacher model answered each prompt several times, judges checked each answer, and the accepted answers became the SFT and distillation rows.',
    '',
    `**Build health.** ${f.health.line}`,
    '',
    license === 'other' ? '_Licence: not set by the pipeline. Generated data follows the terms of the teacher model that wrote it: set `license` before publishing._\n' : '',
    '## Configs',
    '',
    corpora,
    '',
    '- `sft`: chat rows (`messages`, the assistant turn is `<think>reasoning</think>` + answer) for TRL\'s SFTTrainer.',
    '- `distill`: prompt, reasoning, answer, reference, teacher, sampling parameters and per-judge verdicts.',
    '- `samples`: every sample with its verdicts, accepted or not (the audit trail).',
    '- `prefs`: preference pairs (accepted vs rejected answer of one prompt) in TRL\'s conversational DPO format.',
    '',
    '```python',
    'from datasets import load_dataset',
    `sft = load_dataset("path/to/this/dir", "${present[0] ?? 'sft'}", split="train")`,
    '```',
    '',
    '## Acceptance',
    '',
    `${int(a.prompts)} prompts, ${int(a.samples)} samples, ${int(a.accepted)} accepted (${pct(a.accepted, a.samples)}), ${int(a.selected)} selected; ${a.selected > 0 ? (a.samples / a.selected).toFixed(2) : '–'} samples spent per selected example.`,
    '',
    '### By domain',
    '',
    groupTable('domain', f.byDomain),
    '',
    '### By source',
    '',
    groupTable('source', f.bySource),
    '',
    '### Prompts by pass rate',
    '',
    'The share of a prompt\'s samples that passed every judge. Prompts at 0 or 1 teach the least; the spread between is what rejection sampling selects from.',
    '',
    passRateTable(f),
    '',
    '### Excluded input',
    '',
    f.excluded.length
      ? table(['reason', 'rows'], f.excluded.map((e) => [e.reason, int(e.rows)])) + '\n\nEach quarantined row is listed with its reason in `quarantine/*.jsonl` (near-duplicates name the prompt they duplicate; contaminated prompts name the evaluation file, item and n-gram). Exact duplicates are counted, not written.'
      : '_No input rows were excluded._',
    '',
    '## Token lengths',
    '',
    'Completion tokens of every sample, accepted vs rejected (selected: the rows of `sft`).',
    '',
    lengthSection(f),
    '',
    '## Judges',
    '',
    judgeSection(f),
    '',
    '## Example rows',
    '',
    'One row of each config (the smallest id), long texts clipped.',
    '',
    exampleRows(f),
    '## Pipeline config',
    '',
    `Config hash \`${manifest.configHash}\`, code version \`${manifest.codeVersion}\`, ${manifest.commits} commits, ${manifest.finished ? 'finished' : 'not finished'} (${manifest.updatedAt}).`,
    '',
    '```json',
    JSON.stringify(manifest.config, null, 2),
    '```',
    '',
    '### Inputs',
    '',
    manifest.inputs.length ? table(['input', 'sha256'], manifest.inputs.map((i) => [i.name, `\`${i.sha256}\``])) : '_None recorded._',
    '',
    '## Integrity',
    '',
    `\`manifest.json\` sha256: \`${manifestChecksum(manifest)}\`. The manifest lists every shard with its row count and sha256; a shard not listed there is not part of the build.`,
    '',
  ];
  return `${header.join('\n')}\n\n${body.join('\n')}`;
}
