import { parseCli, UsageError } from '../args.ts';
import { loadPipeline } from '../../pipeline/load-pipeline.ts';
import { runPipeline, type Progress } from '../../pipeline/engine.ts';
import { formatReport, progressJson, progressLine } from '../../pipeline/progress.ts';
import type { ShardSpec } from '../../sources/shard.ts';
import { isAutoShard, shardFlag } from '../../cluster/scheduler-shard.ts';
import { applyBackendOverride, BACKEND_OVERRIDE_FLAGS } from '../backend-override.ts';
import { reuseSamples } from '../../models/reuse-backend.ts';
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

/**
 * `distillery run <pipeline.ts> --out DIR [--limit N] [--shard I/N|auto[/N]] [--reuse PREV_DIR] [--json] [--no-report]`. Writes DIR/report.html at the end. Exit 0 when done, 130 when stopped by
 * Ctrl-C / SIGTERM (what was done is committed; the same command resumes), 1 on a config or run error.
 */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(argv, {
    out: { type: 'string', short: 'o' },
    limit: { type: 'string' },
    shard: { type: 'string' },
    json: { type: 'boolean' },
    reuse: { type: 'string' },
    'no-report': { type: 'boolean' },
    'allow-input-change': { type: 'boolean' },
    'outage-budget': { type: 'string' },
    ...BACKEND_OVERRIDE_FLAGS,
  });
  if (positionals.length !== 1) throw new UsageError('run: expected one pipeline file: distillery run <pipeline.ts> --out DIR [--limit N] [--shard I/N|auto[/N]]');
  if (!values.out) throw new UsageError('run: --out DIR is required');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`run: --limit must be a positive integer, got "${values.limit}"`);
  }
  let outageBudgetMs: number | undefined;
  if (values['outage-budget'] !== undefined) {
    const ms = parseDuration(values['outage-budget']);
    if (ms === null) throw new UsageError(`run: --outage-budget takes a duration such as 90s, 15m or 2h, got "${values['outage-budget']}"`);
    outageBudgetMs = ms;
  }
  let shard: ShardSpec | undefined;
  if (values.shard !== undefined) {
    try {
      shard = shardFlag(values.shard);
    } catch (e) {
      throw new UsageError(`run: ${(e as Error).message}`);
    }
    if (isAutoShard(values.shard)) process.stderr.write(`distillery run: --shard ${values.shard}: shard ${shard.index}/${shard.count} from the scheduler\n`);
  }

  // --backend openai --base-url URL --model NAME replaces the pipeline's backend.
  let pipeline = applyBackendOverride('run', await loadPipeline(positionals[0]), values);
  // --reuse PREV_DIR: the nightly incremental build. Samples with the same key in the previous build are served
  // from its shards with their stored verdicts (kept for the unchanged leading judges; the rest judge again); only
  // the rest is generated.
  if (values.reuse !== undefined) {
    const judges = pipeline.judges.map((j) => j.describe());
    const grouping = { k: pipeline.generation.k, target: pipeline.target ?? null };
    pipeline = Object.freeze({ ...pipeline, backend: reuseSamples(values.reuse, pipeline.backend, { judges, grouping }) });
  }

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
