import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runPipeline } from '../src/pipeline/engine.ts';
import { definePipeline } from '../src/pipeline/define.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { replay } from '../src/models/replay/index.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { perSampleJudge, type Judge } from '../src/judges/judge.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import type { Backend } from '../src/models/sampler.ts';
import type { BuildIdentity, BuildStore, ChunkRows, ResumeState } from '../src/sinks/build-store.ts';
import { verdict } from '../schemas/verdict.ts';
import { tempWorkdir, writeGsm8kPrompts, writeRecordings } from './support/engine-fixture.ts';

/**
 * An in-memory BuildStore: these tests look at what the engine hands the store (commit boundaries, in-flight
 * bounds), which the Parquet store would hide; the real store is exercised by the CLI tests.
 */
class MemoryStore implements BuildStore {
  readonly dir = 'memory';
  commits: { rows: ChunkRows; stats: Record<string, unknown> }[] = [];
  finished: Record<string, unknown> | null = null;
  constructor(private readonly commitDelayMs = 0) {}
  async open(_identity: BuildIdentity): Promise<ResumeState> {
    return { donePromptIds: new Set(), doneQuarantine: new Set(), commits: 0, stats: null };
  }
  async commit(rows: ChunkRows, stats: Record<string, unknown>) {
    if (this.commitDelayMs) await new Promise((r) => setTimeout(r, this.commitDelayMs));
    this.commits.push({ rows, stats });
  }
  async finish(report: Record<string, unknown>) {
    this.finished = report;
  }
  async close() {}
}

function fixture(n: number, k: number) {
  const dir = tempWorkdir('pipeline');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), n);
  writeRecordings(path.join(dir, 'rec.jsonl'), n, k);
  return { prompts: jsonl(path.join(dir, 'prompts.jsonl')), rec: path.join(dir, 'rec.jsonl') };
}

test('judges run in order, see earlier verdicts, null is not recorded, and a throwing judge gives error verdicts', async () => {
  const { prompts, rec } = fixture(6, 2);
  const seen: number[] = [];
  const fallback = perSampleJudge('fallback', {}, (_p, _s, previous) => {
    seen.push(previous.length);
    return previous.some((v) => v.verdict === 'pass') ? null : verdict('fallback', 'fail', 'rule failed too', { category: 'wrong_answer' });
  });
  const flaky: Judge = {
    name: 'flaky',
    describe: () => ({ name: 'flaky' }),
    async judge(p) {
      if (p.id === 'p3') throw new Error('sandbox crashed');
      return [null, null];
    },
  };
  const store = new MemoryStore();
  const pipeline = definePipeline({ name: 't', sources: [prompts], backend: replay({ file: rec }), generation: { k: 2 }, judges: [exactAnswerJudge(), fallback, flaky], selection: keepAccepted() });
  const report = await runPipeline(pipeline, { out: 'memory', store });
  assert.equal(report.totals.prompts, 6);
  assert.ok(seen.every((n) => n === 1), 'the fallback saw the exact verdict');
  const samples = store.commits.flatMap((c) => c.rows.samples);
  const p0 = samples.find((s) => s.key.startsWith('p0#0'))!; // (0+0)%3 === 0: wrong answer
  assert.deepEqual(p0.verdicts.map((v) => `${v.judge}:${v.verdict}`), ['exact:fail', 'fallback:fail']);
  const p1 = samples.find((s) => s.key.startsWith('p1#0'))!; // right: fallback returned null, not recorded
  assert.deepEqual(p1.verdicts.map((v) => `${v.judge}:${v.verdict}`), ['exact:pass']);
  const p3 = samples.filter((s) => s.prompt_id === 'p3');
  assert.ok(p3.every((s) => s.verdicts.some((v) => v.judge === 'flaky' && v.verdict === 'error' && /"flaky" failed on prompt "p3": sandbox crashed/.test(v.reason))));
  assert.ok(p3.every((s) => !s.accepted));
  assert.equal(report.topReasons.flaky.error, 2);
  assert.deepEqual(report.topReasons.flaky.top, [{ reason: 'judge threw: sandbox crashed', count: 2 }]);
  assert.ok(store.finished, 'finish got the report');
});

test('bounded in flight: a slow sink holds the sampler back, and a prompt never spans two commits', async () => {
  const { prompts, rec } = fixture(120, 2);
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const base = replay({ file: rec, batchSize: 3, concurrency: 2 });
  const counted: Backend = {
    ...base,
    describe: base.describe,
    async open() {
      const s = await base.open();
      return {
        model: s.model,
        close: () => s.close(),
        async generate(r, c) {
          calls++;
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await s.generate(r, c);
          } finally {
            inFlight--;
          }
        },
      };
    },
  };
  const store = new MemoryStore(5);
  let sampledAhead = 0;
  const pipeline = definePipeline({ name: 't', sources: [prompts], backend: counted, generation: { k: 2 }, judges: [exactAnswerJudge()], selection: keepAccepted(), output: { shardRows: 10, commitEverySeconds: 60 } });
  const report = await runPipeline(pipeline, {
    out: 'memory',
    store,
    onProgress: (p) => {
      // prompts sampled (calls × batch) minus prompts handed to the chunk buffer: bounded by the ordered window
      sampledAhead = Math.max(sampledAhead, calls * 3 - p.runPrompts);
    },
  });
  assert.equal(report.totals.prompts, 120);
  assert.ok(maxInFlight <= 2, `at most backend.concurrency generate() calls at once (saw ${maxInFlight})`);
  assert.ok(sampledAhead <= 4 * 3, `sampling ran at most the window (4 batches of 3) ahead of the sink (saw ${sampledAhead})`);
  const owner = new Map<string, number>();
  store.commits.forEach((c, i) => {
    for (const s of c.rows.samples) {
      const prev = owner.get(s.prompt_id);
      assert.ok(prev === undefined || prev === i, `prompt ${s.prompt_id} split across commits ${prev} and ${i}`);
      owner.set(s.prompt_id, i);
    }
  });
  assert.ok(store.commits.length >= 10, 'committed when the chunk reached shardRows');
  assert.deepEqual(store.commits.at(-1)!.stats.consumed, 120);
});

test('an aborted run stops taking prompts, commits what is done and reports interrupted', async () => {
  const { prompts, rec } = fixture(200, 1);
  const controller = new AbortController();
  const store = new MemoryStore();
  const pipeline = definePipeline({ name: 't', sources: [prompts], backend: replay({ file: rec, batchSize: 2 }), generation: { k: 1 }, judges: [exactAnswerJudge()], selection: keepAccepted() });
  const report = await runPipeline(pipeline, { out: 'memory', store, onProgress: (p) => p.prompts >= 20 && controller.abort(), signal: controller.signal });
  assert.equal(report.interrupted, true);
  assert.ok(report.totals.prompts >= 20 && report.totals.prompts < 200);
  assert.equal(store.commits.flatMap((c) => c.rows.samples).length, report.totals.samples);
  assert.equal(store.finished, null, 'an interrupted build is not finished');
});
