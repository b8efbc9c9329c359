import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { GenerationConfig } from '../schemas/generation.ts';
import type { Prompt } from '../schemas/prompt.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import type { Judge } from '../src/judges/judge.ts';
import { replay } from '../src/models/replay/index.ts';
import type { Sampler } from '../src/models/sampler.ts';
import { BackendBreaker, DEFAULT_BACKEND_HEALTH } from '../src/pipeline/backend-health.ts';
import { SampleJudge } from '../src/pipeline/sample-judge.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { tempWorkdir, writeGsm8kPrompts, writeRecordings } from './support/engine-fixture.ts';

/** n GSM8K prompts and k recorded samples each (sample s of p_i right when (i + s) % 3 !== 0), read by the real source and replay backend. */
async function fixture(t: { after(fn: () => void | Promise<void>): void }, n: number, k: number) {
  const dir = tempWorkdir('sample-judge');
  writeGsm8kPrompts(path.join(dir, 'p.jsonl'), n);
  writeRecordings(path.join(dir, 'rec.jsonl'), n, k);
  const prompts: Prompt[] = [];
  for await (const item of jsonl(path.join(dir, 'p.jsonl')).read()) if (item.kind === 'prompt') prompts.push(item.prompt);
  const sampler = await replay({ file: path.join(dir, 'rec.jsonl') }).open();
  t.after(async () => {
    await sampler.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { prompts, sampler };
}

function stage(sampler: Sampler, o: { k: number; judges?: Judge[]; target?: { accepted: number; budget: number; round?: number }; signal?: AbortSignal; probeIntervalMs?: number }) {
  const stop = new AbortController();
  const gate = new BackendBreaker({ ...DEFAULT_BACKEND_HEALTH, probeIntervalMs: o.probeIntervalMs ?? 10 }, async () => ({ ok: true }), stop.signal, () => {}, () => stop.abort());
  return new SampleJudge({
    sampler,
    backendKind: 'replay',
    generation: GenerationConfig.parse({ k: o.k }),
    configHash: 'c'.repeat(16),
    judges: o.judges ?? [exactAnswerJudge()],
    selection: keepAccepted(),
    target: o.target,
    concurrency: 2,
    gate,
    signal: o.signal ?? new AbortController().signal,
  });
}

test('sample + judge, fixed k: every prompt gets k samples in index order, each with its judges\' verdicts', async (t) => {
  const { prompts, sampler } = await fixture(t, 6, 3);
  const out = await stage(sampler, { k: 3 }).run(prompts);
  assert.deepEqual(out.map((o) => o.prompt.id), prompts.map((p) => p.id));
  for (const [i, o] of out.entries()) {
    assert.equal(o.failed, null);
    assert.equal(o.resampled, false);
    assert.deepEqual(o.judged.map((j) => j.sample.index), [0, 1, 2]);
    assert.deepEqual(o.judged.map((j) => j.verdicts.map((v) => `${v.judge}:${v.verdict}`)), [0, 1, 2].map((s) => [`exact:${(i + s) % 3 !== 0 ? 'pass' : 'fail'}`]));
  }
});

test('sample + judge, target: rounds stop at the accepted count or the budget; indices continue across rounds', async (t) => {
  const { prompts, sampler } = await fixture(t, 3, 6);
  const out = await stage(sampler, { k: 2, target: { accepted: 2, budget: 6, round: 1 } }).run(prompts);
  // p0: s0 wrong, s1 right, s2 right → 3 samples; p1: s0, s1 right → 2; p2: s0 right, s1 wrong, s2 right → 3.
  assert.deepEqual(out.map((o) => o.judged.map((j) => j.sample.index)), [[0, 1, 2], [0, 1], [0, 1, 2]]);
});

test('sample + judge: the build\'s abort signal reaches the sampler and every judge', async (t) => {
  const { prompts, sampler } = await fixture(t, 2, 2);
  const build = new AbortController();
  const seen: (AbortSignal | undefined)[] = [];
  const watching: Judge = { name: 'watch', describe: () => ({ name: 'watch' }), judge: async (_p, samples, ctx) => (seen.push(ctx.signal), samples.map(() => null)) };
  const sent: (AbortSignal | undefined)[] = [];
  const spy: Sampler = { model: sampler.model, generate: (r, c, signal) => (sent.push(signal), sampler.generate(r, c, signal)), close: async () => {} };
  await stage(spy, { k: 2, judges: [exactAnswerJudge(), watching], signal: build.signal }).run(prompts);
  assert.equal(seen.length, 2);
  assert.ok(seen.every((s) => s === build.signal));
  assert.ok(sent.length > 0 && sent.every((s) => s === build.signal));
});

test('sample + judge: a transient backend failure is asked again (prompt resampled); one that lasts leaves the prompt not done', async (t) => {
  const { prompts, sampler } = await fixture(t, 2, 2);
  // The replay backend behind a connection that drops p1's first request, then (second stage) every request.
  let calls = 0;
  let alwaysDown = false;
  const flaky: Sampler = {
    model: sampler.model,
    async generate(requests, config, signal) {
      calls++;
      const out = await sampler.generate(requests, config, signal);
      return out.map((g) => ((g.promptId === 'p1' && calls === 1) || alwaysDown ? { ...g, text: '', finishReason: 'error' as const, error: 'connection reset', transient: true } : g));
    },
    close: async () => {},
  };
  const once = await stage(flaky, { k: 2 }).run(prompts);
  assert.deepEqual(once.map((o) => [o.prompt.id, o.failed, o.resampled]), [['p0', null, false], ['p1', null, true]]);
  assert.equal(once[1].judged.length, 2);
  assert.ok(once[1].judged.every((j) => j.sample.finishReason === 'stop'));
  alwaysDown = true;
  const down = await stage(flaky, { k: 2 }).run(prompts.slice(0, 1));
  assert.equal(down[0].failed, 'connection reset');
  assert.ok(down[0].judged.every((j) => j.verdicts.some((v) => v.judge === 'backend' && v.verdict === 'error')));
});
