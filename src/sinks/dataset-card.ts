import { createHash } from 'node:crypto';
import { CARD_STATS_KEY } from './card-stats-store.ts';
import { cardStatsFrom, histogramPercentile, PASS_RATE_BUCKETS, TOKEN_BUCKETS, type CardStats, type GroupCounts } from './card-stats.ts';
import { Manifest } from './manifest.ts';

export interface DatasetCardOptions {
  /** SPDX id or HF licence tag of the generated data (depends on the teacher model's terms); omitted when unknown. */
  license?: string;
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
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => cell(String(c))).join(' | ')} |`;
  return [line(head), `| ${head.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

function groupTable(label: string, groups: Record<string, GroupCounts>): string {
  const names = Object.keys(groups).sort();
  if (names.length === 0) return '_No samples._';
  const rows = names.map((n) => {
    const g = groups[n];
    return [n, int(g.prompts), int(g.samples), int(g.accepted), pct(g.accepted, g.samples), int(g.selected), g.selected > 0 ? (g.samples / g.selected).toFixed(2) : '–'];
  });
  return table([label, 'prompts', 'samples', 'accepted', 'accept rate', 'selected (sft rows)', 'samples per selected'], rows);
}

function tokenTable(stats: CardStats): string {
  const label = (i: number) => (i === 0 ? `< ${TOKEN_BUCKETS[0]}` : TOKEN_BUCKETS[i] === Infinity ? `≥ ${TOKEN_BUCKETS[i - 1]}` : `${TOKEN_BUCKETS[i - 1]}–${TOKEN_BUCKETS[i] - 1}`);
  const totalAll = stats.tokens.all.reduce((a, b) => a + b, 0);
  const totalSel = stats.tokens.selected.reduce((a, b) => a + b, 0);
  const rows = TOKEN_BUCKETS.map((_, i) => [label(i), int(stats.tokens.all[i]), pct(stats.tokens.all[i], totalAll), int(stats.tokens.selected[i]), pct(stats.tokens.selected[i], totalSel)]).filter((r, i) => stats.tokens.all[i] > 0);
  const summary = (hist: number[], sum: number, n: number) =>
    n > 0 ? `mean ${Math.round(sum / n)}, median ≤ ${histogramPercentile(hist, 0.5)}, p90 ≤ ${histogramPercentile(hist, 0.9)}` : 'none';
  return [
    table(['completion tokens', 'all samples', '%', 'selected', '%'], rows),
    '',
    `All samples: ${summary(stats.tokens.all, stats.tokens.sumAll, totalAll)}. Selected: ${summary(stats.tokens.selected, stats.tokens.sumSelected, totalSel)}.`,
  ].join('\n');
}

function judgeSection(stats: CardStats): string {
  const names = Object.keys(stats.judges).sort();
  if (names.length === 0) return '_No verdicts._';
  const verdicts = table(
    ['judge', 'pass', 'fail', 'error (undecided)', 'pass rate of decided'],
    names.map((n) => {
      const j = stats.judges[n];
      return [n, int(j.pass), int(j.fail), int(j.error), pct(j.pass, j.pass + j.fail)];
    }),
  );
  const pairs = Object.keys(stats.agreement).sort();
  const agreement = pairs.length
    ? table(['judges', 'both decided', 'agree', 'agreement'], pairs.map((p) => [p.replace('|', ' vs '), int(stats.agreement[p].both), int(stats.agreement[p].agree), pct(stats.agreement[p].agree, stats.agreement[p].both)]))
    : '_Only one judge decided each sample: no pairwise agreement to show._';
  const dis = Object.entries(stats.disagreements).sort(([a], [b]) => (a < b ? -1 : 1));
  const disagreements = dis.length ? table(['recorded disagreement', 'samples'], dis.map(([k, v]) => [k, int(v)])) : '_No rule-vs-generative disagreements recorded._';
  return [verdicts, '', 'Agreement between judges on the samples both decided (`error` verdicts excluded):', '', agreement, '', disagreements].join('\n');
}

function scalarReport(report: Record<string, unknown> | null): string {
  if (!report) return '_The build has not finished: figures are as of the last commit._';
  const flat: [string, string][] = [];
  const walk = (prefix: string, v: unknown, depth: number) => {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) flat.push([prefix, typeof v === 'number' ? (Number.isInteger(v) ? int(v) : String(Math.round(v * 1000) / 1000)) : String(v)]);
    else if (typeof v === 'object' && !Array.isArray(v) && depth < 2) for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x, depth + 1);
  };
  for (const [k, v] of Object.entries(report)) if (k !== CARD_STATS_KEY) walk(k, v, 0);
  return flat.length ? table(['figure', 'value'], flat) : '_Empty report._';
}

/**
 * The Hugging Face dataset card (README.md) of a build directory: a YAML header whose `configs` point each corpus
 * at its Parquet shards (so `datasets.load_dataset(dir, "sft")` works), then counts per domain and source,
 * acceptance, token lengths, judge agreement, the pipeline config and the manifest checksum. Pure: a function of
 * the manifest (figures from `report.card`, else the last commit's `stats.card`, see withCardStats).
 */
export function datasetCard(manifest: Manifest, options: DatasetCardOptions = {}): string {
  const stats = cardStatsFrom(manifest.report?.[CARD_STATS_KEY] ?? manifest.stats?.[CARD_STATS_KEY]);
  const present = CARD_CONFIGS.filter((c) => manifest.shards.some((s) => s.corpus === c));
  const header = [
    '---',
    `pretty_name: ${yamlString(manifest.pipeline)}`,
    ...(options.license ? [`license: ${yamlString(options.license)}`] : []),
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
  const t = manifest.totals;
  const corpora = table(
    ['config', 'rows', 'shards', 'bytes', 'load with'],
    CARD_CONFIGS.map((c) => [c, int(t[c].rows), int(t[c].shards), int(t[c].bytes), present.includes(c) ? `load_dataset(dir, "${c}")` : '(empty: not a config)']),
  );
  const all = Object.values(stats.byDomain).reduce((a, g) => ({ prompts: a.prompts + g.prompts, samples: a.samples + g.samples, accepted: a.accepted + g.accepted, selected: a.selected + g.selected }), { prompts: 0, samples: 0, accepted: 0, selected: 0 });
  const quarantine = Object.entries(stats.quarantine).sort(([a], [b]) => (a < b ? -1 : 1));
  const body = [
    `# ${manifest.pipeline}`,
    '',
    options.description ??
      'Chain-of-thought data made by rejection sampling with Distillery: a teacher model answered each prompt several times, judges checked each answer, and the accepted answers became the SFT and distillation rows.',
    '',
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
    `${int(all.prompts)} prompts, ${int(all.samples)} samples, ${int(all.accepted)} accepted (${pct(all.accepted, all.samples)}), ${int(all.selected)} selected; ${all.selected > 0 ? (all.samples / all.selected).toFixed(2) : '–'} samples spent per selected example.`,
    '',
    '### By domain',
    '',
    groupTable('domain', stats.byDomain),
    '',
    '### By source',
    '',
    groupTable('source', stats.bySource),
    '',
    '### Prompts by pass rate',
    '',
    table(['pass rate', 'prompts'], PASS_RATE_BUCKETS.map((b, i) => [b, int(stats.passRate[i])])),
    '',
    '### Excluded input',
    '',
    quarantine.length
      ? table(['reason', 'rows'], quarantine.map(([k, v]) => [k, int(v)])) + '\n\nEach excluded row is listed with its reason in `quarantine/*.jsonl` (near-duplicates name the prompt they duplicate; contaminated prompts name the evaluation file, item and n-gram).'
      : '_No input rows were excluded._',
    '',
    '## Token lengths',
    '',
    tokenTable(stats),
    '',
    '## Judges',
    '',
    judgeSection(stats),
    '',
    '## Build report',
    '',
    scalarReport(manifest.report),
    '',
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
