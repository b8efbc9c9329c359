/**
 * One scale build, run as a child process by bench/scale.bench.ts (so it can be killed with SIGKILL and resumed):
 *   node --import tsx bench/scale/build.ts PROMPTS.jsonl OUT_DIR EXAMPLES SHARED_DIR [CODE_SHARE]
 * Prints one JSON line with the report when done.
 */
import path from 'node:path';
import { OutputConfig } from '../../schemas/pipeline.ts';
import { codeJudge } from '../../src/judges/code/index.ts';
import { onlyDomains } from '../../src/judges/domain-gate.ts';
import { formatJudge } from '../../src/judges/format.ts';
import { mathJudge } from '../../src/judges/math/index.ts';
import { readabilityJudge } from '../../src/judges/readability/index.ts';
import { definePipeline } from '../../src/pipeline/define.ts';
import { runPipeline } from '../../src/pipeline/engine.ts';
import { keepAccepted } from '../../src/select/keep-accepted.ts';
import { datasetCardOf } from '../../src/sinks/dataset-card.ts';
import { openParquetBuildStore } from '../../src/sinks/parquet-build-store.ts';
import { jsonl } from '../../src/sources/jsonl.ts';
import { nearDedupe } from '../../src/sources/near-dedupe.ts';
import { syntheticTeacher } from './synthetic-teacher.ts';

const [promptsFile, out, examplesArg, sharedDir, codeShareArg] = process.argv.slice(2);
const examples = Number(examplesArg);
const codeShare = Number(codeShareArg ?? 0);
const codeQuota = Math.round(examples * codeShare);

const pipeline = definePipeline({
  name: 'r1-scale',
  // Code prompts carry no meta.language: the code judge takes python from the answer's fence.
  sources: [nearDedupe(jsonl(promptsFile, { name: 'scale-prompts', mapping: { id: 'id', prompt: 'prompt', reference: 'reference', domain: 'domain', meta: ['test', 'entry_point', 'solution', 'wrong'] } }))],
  backend: syntheticTeacher({ acceptRate: 0.55, meanChars: 4096, truncatedRate: 0.03, sharedDir }),
  generation: { k: 4, temperature: 0.6, topP: 0.95, maxTokens: 32768, seed: 0 },
  target: { accepted: 1, budget: 8, round: 4 },
  quotas: codeQuota > 0 ? { math: examples - codeQuota, code: codeQuota } : { math: examples },
  // Chunks are held in memory until committed: 64 MB of text a chunk bounds RSS (see docs/build.md).
  output: OutputConfig.parse({ shardRows: 50_000, shardBytes: 64 * 1024 * 1024, commitEverySeconds: 20 }),
  judges: [formatJudge({ prefilledThink: true }), onlyDomains(['math'], mathJudge()), onlyDomains(['code'], codeJudge()), readabilityJudge()],
  selection: keepAccepted({ maxPerPrompt: 1, prefer: 'shortest', prefsPerPrompt: 1 }),
});
// What the process holds when the card's figures start, and its heap after them (stderr, for the bench's log): the
// end of a build is where its peak RSS has been.
const mb = (n: number) => Math.round(n / 2 ** 20);
const memory = () => Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)]));
const card = async (m: Parameters<typeof datasetCardOf>[1], dir: string) => {
  process.stderr.write(`scale build: memory (MB) when the card starts: ${JSON.stringify(memory())}\n`);
  const text = await datasetCardOf(dir, m, {}, { shardCheck: 'size' });
  process.stderr.write(`scale build: memory (MB) after the card: ${JSON.stringify(memory())}\n`);
  return text;
};
const store = openParquetBuildStore(out, pipeline.output, { card });
const report = await runPipeline(pipeline, { out: path.resolve(out), store });
process.stdout.write(`${JSON.stringify({ totals: report.totals, sampling: report.sampling, run: report.run })}\n`);
