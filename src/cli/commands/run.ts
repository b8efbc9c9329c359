import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';
import { helpWithParameters, loadPipelineWithParameters, SET_FLAG } from '../pipeline-parameters.ts';
import { runPipeline, type Progress } from '../../pipeline/engine.ts';
import { formatReport, progressJson, progressLine } from '../../pipeline/progress.ts';
import type { ShardSpec } from '../../sources/shard.ts';
import { isAutoShard, shardFlag } from '../../cluster/scheduler-shard.ts';
import { applyBackendOverride, BACKEND_OVERRIDE_FLAGS } from '../backend-override.ts';
import { defaultBuildStore } from '../../pipeline/default-store.ts';
import { REPORT_FILE } from '../../report/write-report.ts';
import { join } from 'node:path';
import { DEFAULT_GRACE_MS } from '../../pipeline/engine.ts';
import type { OutageNotice } from '../../pipeline/backend-health.ts';
import { runOutcome } from '../../pipeline/run-outcome.ts';

/** "90s", "15m", "2h", "500ms" or plain seconds → milliseconds; null when unreadable. */
function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/.exec(text);
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

/** Seconds between JSON progress lines when stderr is not a terminal (DISTILLERY_LOG_SECONDS overrides). */
const LOG_SECONDS = Number(process.env.DISTILLERY_LOG_SECONDS ?? 5);

export const spec: CommandSpec = {
  name: 'run',
  summary: 'Run a pipeline: read prompts, sample, judge, select, and write the corpora as Parquet into DIR.',
  usage: '<pipeline.ts> --out DIR [options]',
  flags: {
    out: { type: 'string', short: 'o', value: 'DIR', help: 'the build directory (created; an unfinished build there resumes)' },
    limit: { type: 'string', value: 'N', help: 'stop after N prompts' },
    shard: { type: 'string', value: 'I/N|auto[/N]', help: 'build only shard I of N (merge the shards with distillery merge); auto takes I and N from the scheduler (Slurm array, Kubernetes indexed job)' },
    reuse: { type: 'string', value: 'PREV_DIR', help: 'serve samples with the same key from a previous build instead of generating them' },
    json: { type: 'boolean', help: 'print the final report as one JSON line' },
    'no-report': { type: 'boolean', help: 'do not write DIR/report.html at the end' },
    'allow-input-change': { type: 'boolean', help: "resume although an input file changed: resume by prompt id (new prompts are built, removed ones reported)" },
    'outage-budget': { type: 'string', value: 'DURATION', help: 'how long a backend outage may last before the run stops with exit 75 (e.g. 90s, 15m, 2h; default 15m)' },
    ...SET_FLAG,
    ...BACKEND_OVERRIDE_FLAGS,
  },
  notes: `Exit codes: 0 done, 130 stopped by Ctrl-C / SIGTERM (what was done is committed: the same command resumes),
75 the backend stayed down past --outage-budget (committed: the same command resumes when it is back),
1 a configuration or run error, 2 a usage error.`,
};

/**
 * `distillery run <pipeline.ts> --out DIR [--limit N] [--shard I/N|auto[/N]] [--reuse PREV_DIR] [--json] [--no-report]`. Writes DIR/report.html at the end. Exit 0 when done, 130 when stopped by
 * Ctrl-C / SIGTERM (what was done is committed; the same command resumes), 1 on a config or run error.
 */
export async function run(argv: string[]): Promise<number> {
  const help = await helpWithParameters(spec, argv);
  if (help !== null) return help;
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { set?: string[]; out?: string; limit?: string; shard?: string; json?: boolean; reuse?: string; backend?: string; 'base-url'?: string; model?: string; server?: string; replicas?: string; 'gpus-per-replica'?: string; 'no-report'?: boolean; 'allow-input-change'?: boolean; 'outage-budget'?: string };
  if (positionals.length !== 1) throw new UsageError(`expected one pipeline file, got ${positionals.length}: distillery run <pipeline.ts> --out DIR`);
  if (!values.out) throw new UsageError('--out DIR is required');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
  }
  let outageBudgetMs: number | undefined;
  if (values['outage-budget'] !== undefined) {
    const ms = parseDuration(values['outage-budget']);
    if (ms === null) throw new UsageError(`--outage-budget takes a duration such as 90s, 15m or 2h, got "${values['outage-budget']}"`);
    outageBudgetMs = ms;
  }
  let shard: ShardSpec | undefined;
  if (values.shard !== undefined) {
    try {
      shard = shardFlag(values.shard);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (isAutoShard(values.shard)) process.stderr.write(`distillery run: --shard ${values.shard}: shard ${shard.index}/${shard.count} from the scheduler\n`);
  }

  // --backend openai --base-url URL --model NAME replaces the pipeline's backend.
  const pipeline = applyBackendOverride('run', await loadPipelineWithParameters(positionals[0], values.set), values);
  const controller = new AbortController();
  let stops = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    if (++stops > 1) {
      process.stderr.write(`\ndistillery run: ${sig} again: exiting now; the next run resumes from the last commit\n`);
      process.exit(130);
    }
    process.stderr.write(`\ndistillery run: ${sig}: finishing prompts in flight (for up to ${DEFAULT_GRACE_MS / 1000} s, then aborting them) and committing (press Ctrl-C again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const tty = process.stderr.isTTY === true;
  let lastLog = 0;
  let lastDraw = 0;
  const onProgress = (p: Progress) => {
    const now = performance.now();
    if (tty) {
      if (now - lastDraw < 200) return;
      lastDraw = now;
      process.stderr.write(`\r\x1b[2K${progressLine(p)}`);
    } else if (now - lastLog >= LOG_SECONDS * 1000) {
      lastLog = now;
      process.stderr.write(progressJson(p) + '\n');
    }
  };
  try {
    // The HTML report is written beside the card at the end, from the same figures (--no-report skips it).
    const store = defaultBuildStore(values.out, pipeline, { report: !values['no-report'] });
    const onNotice = (n: OutageNotice) => process.stderr.write(`${tty ? '\r\x1b[2K' : ''}distillery run: ${n.message}\n`);
    const report = await runPipeline(pipeline, {
      out: values.out,
      store,
      lock: true,
      limit,
      shard,
      signal: controller.signal,
      onProgress,
      onNotice,
      allowInputChange: values['allow-input-change'] ?? false,
      // --reuse PREV_DIR: the nightly incremental build (samples with the same key served from PREV_DIR's shards).
      reuse: values.reuse,
      ...(outageBudgetMs !== undefined ? { backendHealth: { outageBudgetMs } } : {}),
    });
    if (tty) process.stderr.write('\r\x1b[2K');
    if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
    else process.stdout.write(formatReport(report) + '\n');
    if (!values.json && !report.interrupted && !values['no-report']) process.stdout.write(`  report: ${join(values.out, REPORT_FILE)}\n`);
    const verdict = runOutcome(report);
    if (verdict.message) process.stderr.write(`distillery run: ${verdict.message}\n`);
    return verdict.code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
