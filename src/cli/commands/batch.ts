import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { sampleKey } from '../../../schemas/sample.ts';
import { runPipeline } from '../../pipeline/engine.ts';
import { generationHash } from '../../pipeline/config-hash.ts';
import { helpWithParameters, loadPipelineWithParameters, SET_FLAG } from '../pipeline-parameters.ts';
import { formatReport } from '../../pipeline/progress.ts';
import { batchResultsBackend } from '../../models/openai/batch-backend.ts';
import { batchOptions, batchRequestWriter } from '../../models/openai/batch-request.ts';
import { BatchResultIndex } from '../../models/openai/batch-results.ts';
import { promptsInScope, resultsPrefix, type ScopeOptions } from '../../pipeline/batch-scope.ts';
import { openai } from '../../models/openai/index.ts';
import type { ShardSpec } from '../../sources/shard.ts';
import { shardFlag } from '../../cluster/scheduler-shard.ts';
import { UsageError } from '../args.ts';
import { parseOrHelp, runGroup, type CommandGroup, type CommandSpec, type FlagSpec } from '../command.ts';
import { applyBackendOverride, BACKEND_OVERRIDE_FLAGS, openaiBackendOf } from '../backend-override.ts';

/** Batch runs are not served from a URL; a base URL is only needed to build the backend object. */
const UNUSED_BASE_URL = 'http://127.0.0.1:8000/v1';

/**
 * `distillery batch export|import`: the offline route through `vllm run-batch` or a provider's batch API.
 * Export writes one request per sample (custom_id = sample key); import serves those samples from result files to
 * the normal engine, which judges and writes the build (resumable: importing again with more files continues it).
 */
export async function run(argv: string[]): Promise<number> {
  return runGroup(group, argv);
}

const SCOPE: Record<string, FlagSpec> = {
  limit: { type: 'string', value: 'N', help: 'only the first N prompts' },
  shard: { type: 'string', value: 'I/N|auto[/N]', help: 'only shard I of N (auto: from the scheduler)' },
  ...SET_FLAG,
  ...BACKEND_OVERRIDE_FLAGS,
};

const exportSpec: CommandSpec = {
  name: 'batch export',
  summary: 'Write one OpenAI batch request per sample (custom_id = the sample key), for vllm run-batch or a provider\'s batch API.',
  usage: '<pipeline.ts> --out requests.jsonl [--limit N] [--shard I/N] [--backend openai --model NAME]',
  flags: { out: { type: 'string', short: 'o', value: 'FILE', help: 'the requests file (JSONL)' }, ...SCOPE },
};

const importSpec: CommandSpec = {
  name: 'batch import',
  summary: 'Build from batch result files: the samples are served from the results, judged and written like a run (resumable).',
  usage: '<pipeline.ts> --results F [--results F …] --out DIR [--limit N] [--shard I/N] [--json]',
  flags: {
    results: { type: 'string', multiple: true, value: 'FILE', help: 'a batch results file (JSONL)' },
    out: { type: 'string', short: 'o', value: 'DIR', help: 'the build directory' },
    json: { type: 'boolean', help: 'print the final report as one JSON line' },
    ...SCOPE,
  },
  notes: 'Exit codes: 0 every prompt in scope had results, 3 stopped at a prompt whose results are missing (import again with more files), 1 an error.',
};

const group: CommandGroup = {
  name: 'batch',
  summary: 'Offline batch files: export the requests of a pipeline, import the results into a build.',
  subcommands: {
    export: { summary: exportSpec.summary, load: async () => ({ spec: exportSpec, run: exportRequests }) },
    import: { summary: importSpec.summary, load: async () => ({ spec: importSpec, run: importResults }) },
  },
};

function scopeFlags(values: { limit?: string; shard?: string }): { limit?: number; shard?: ShardSpec } {
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
  }
  let shard: ShardSpec | undefined;
  if (values.shard !== undefined) {
    try {
      shard = shardFlag(values.shard);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return { limit, shard };
}

async function exportRequests(argv: string[]): Promise<number> {
  const help = await helpWithParameters(exportSpec, argv);
  if (help !== null) return help;
  const parsed = parseOrHelp(exportSpec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { set?: string[]; out?: string; limit?: string; shard?: string; backend?: string; 'base-url'?: string; model?: string };
  if (positionals.length !== 1 || !values.out) throw new UsageError('expected a pipeline file and --out FILE');
  const { limit, shard } = scopeFlags(values);
  const pipeline = applyBackendOverride('batch export', await loadPipelineWithParameters(positionals[0], values.set), values, UNUSED_BASE_URL);
  const options = batchOptions(openaiBackendOf('batch export', pipeline).options);
  const configHash = generationHash(openai(options).describe(), pipeline.generation);
  const line = batchRequestWriter(options, pipeline.generation);
  const scope: ScopeOptions = { dedupe: pipeline.dedupe, maxPromptBytes: pipeline.maxPromptBytes, shard, limit };

  await mkdir(dirname(values.out), { recursive: true });
  const out = createWriteStream(values.out);
  let prompts = 0;
  let requests = 0;
  for await (const prompt of promptsInScope(pipeline.sources, scope)) {
    prompts++;
    for (let i = 0; i < pipeline.generation.k; i++) {
      requests++;
      if (!out.write(`${JSON.stringify(line(prompt, sampleKey(prompt.id, i, configHash)))}\n`)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  process.stdout.write(`batch export: ${requests} requests for ${prompts} prompts (k=${pipeline.generation.k}, model ${options.model}) → ${values.out}\n`);
  return 0;
}

async function importResults(argv: string[]): Promise<number> {
  const help = await helpWithParameters(importSpec, argv);
  if (help !== null) return help;
  const parsed = parseOrHelp(importSpec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = parsed.values as { set?: string[]; out?: string; results?: string[]; json?: boolean; limit?: string; shard?: string; backend?: string; 'base-url'?: string; model?: string };
  if (positionals.length !== 1 || !values.out || !values.results?.length) throw new UsageError('expected a pipeline file, --results F and --out DIR');
  const { limit, shard } = scopeFlags(values);
  const pipeline = applyBackendOverride('batch import', await loadPipelineWithParameters(positionals[0], values.set), values, UNUSED_BASE_URL);
  const online = openai(batchOptions(openaiBackendOf('batch import', pipeline).options));
  const configHash = generationHash(online.describe(), pipeline.generation);

  const results = await BatchResultIndex.build(values.results);
  for (const u of results.unreadable.slice(0, 5)) process.stderr.write(`batch import: ${u.file}:${u.line}: skipped (${u.reason})\n`);
  if (results.unreadable.length > 5) process.stderr.write(`batch import: … ${results.unreadable.length - 5} more unreadable lines skipped\n`);

  const k = pipeline.generation.k;
  const hasAll = (p: { id: string }) => {
    for (let i = 0; i < k; i++) if (!results.has(sampleKey(p.id, i, configHash))) return false;
    return true;
  };
  const prefix = resultsPrefix(pipeline.sources, { dedupe: pipeline.dedupe, maxPromptBytes: pipeline.maxPromptBytes, shard, limit }, hasAll);
  const importing = Object.freeze({ ...pipeline, sources: prefix.sources, backend: batchResultsBackend(online, results) });
  const report = await runPipeline(importing, { out: values.out, limit, shard, lock: { command: `distillery batch import ${pipeline.name}` } });

  const note = prefix.state.stoppedAt === null
    ? `batch import: all ${prefix.state.complete} prompts in scope had results`
    : `batch import: stopped before prompt "${prefix.state.stoppedAt}" (not all of its ${k} results are in the given files); ${prefix.state.complete} prompts imported so far — import again with more result files to continue`;
  process.stderr.write(`${note}\n`);
  if (values.json) process.stdout.write(`${JSON.stringify({ ...report, import: { ...prefix.state, resultLines: results.lines, unreadable: results.unreadable.length } })}\n`);
  else process.stdout.write(`${formatReport(report)}\n`);
  return prefix.state.stoppedAt === null ? 0 : 3;
}
