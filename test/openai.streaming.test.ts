/**
 * Streaming through the OpenAI-compatible backend against the real HTTP test server: a streamed answer equals the
 * plain one (n > 1 interleaved, reasoning_content deltas, finish_reason, usage), stalls before the first byte,
 * after the headers and mid-stream are aborted and retried, a slow live stream is never abandoned, a reset
 * mid-stream is retried, a server without streaming gets plain requests, and a stopping build aborts a stalled
 * request after its grace period instead of waiting out the timeout.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import type { Prompt } from '../schemas/prompt.ts';
import { sampleKey } from '../schemas/sample.ts';
import { openai } from '../src/models/openai/index.ts';
import type { GeneratedSample, SampleRequest } from '../src/models/sampler.ts';
import { definePipeline } from '../src/pipeline/define.ts';
import { runPipeline } from '../src/pipeline/engine.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { type Fault, startOpenAITestServer, type TestServer } from './support/openai-test-server.ts';

const config = GenerationConfig.parse({ k: 3, maxTokens: 64, seed: 7 });
const prompt = (i: number): Prompt => ({ id: `p${i}`, messages: [{ role: 'user', content: `What is ${i} + ${i * 3}?` }], reference: String(i * 4), domain: 'math', source: 'test', meta: {} });
const requests = (ids: number[]): SampleRequest[] => ids.map((i) => ({ prompt: prompt(i), indices: [0, 1, 2], keys: [0, 1, 2].map((j) => sampleKey(`p${i}`, j, 'h')) }));
const fast = { retries: 3, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 5000, firstTokenTimeoutMs: 400, idleTimeoutMs: 300 };
const strip = (s: GeneratedSample[]) => s.map(({ promptId, index, text, finishReason, promptTokens, completionTokens, error }) => ({ promptId, index, text, finishReason, promptTokens, completionTokens, error }));

async function sample(server: TestServer, opts: Record<string, unknown>, ids = [1, 2]) {
  const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast, ...opts }).open();
  try {
    const out = await sampler.generate(requests(ids), config);
    return { out, report: sampler.report!() as Record<string, number> };
  } finally {
    await sampler.close();
  }
}

/** The first request from now on gets `fault`, the rest are answered. */
const firstOnly = (fault: Fault) => {
  let seen = 0;
  return () => (seen++ === 0 ? fault : null);
};

describe('streaming with stall detection', () => {
  let server: TestServer;
  let plain: GeneratedSample[];
  before(async () => {
    server = await startOpenAITestServer({ reasoningParser: true });
    plain = (await sample(server, { stream: false })).out;
  });
  after(() => server.close());

  test('a streamed answer equals the plain one: n = 3 interleaved, reasoning_content deltas, finish_reason and usage', async () => {
    server.answered.length = 0;
    const { out, report } = await sample(server, { firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    assert.ok(server.answered.every((b) => b.stream === true && (b.stream_options as { include_usage: boolean }).include_usage === true && b.n === 3));
    assert.deepEqual(strip(out), strip(plain));
    assert.ok(out.every((s) => s.text.startsWith('<think>\n') && s.completionTokens > 0 && s.error === null));
    assert.equal(report.requests, 2);
    // Completions endpoint too (text deltas), against the same plain answer.
    const tpl = '{% for m in messages %}{{ m.content }}{% endfor %}';
    const a = await sample(server, { endpoint: 'completions', chatTemplate: tpl, firstTokenTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    const b = await sample(server, { endpoint: 'completions', chatTemplate: tpl, stream: false });
    assert.deepEqual(strip(a.out), strip(b.out));
  });

  for (const [fault, reason] of [
    ['hang', /"stalled before the first token":1/],
    ['stall-after-headers', /"stalled before the first token":1/],
    ['stall-mid-stream', /"stalled mid-stream":1/],
    ['reset-mid-stream', /"(UND_ERR_SOCKET|ECONNRESET|stream ended before \[DONE\] after \d+ chunk\(s\))":1/],
  ] as const) {
    test(`${fault}: aborted and retried, the answer as if nothing happened`, async () => {
      server.options = { reasoningParser: true, fault: firstOnly(fault) };
      const { out, report } = await sample(server, {}, [1]);
      server.options = { reasoningParser: true };
      assert.deepEqual(strip(out), strip(plain.filter((s) => s.promptId === 'p1')));
      assert.equal(report.retries, 1);
      const failures = JSON.stringify(report.failures);
      assert.match(failures, reason);
    });
  }

  test('a slow but live stream (a chunk every 50 ms, longer than the 1 s gap limit in all) is never abandoned', async () => {
    server.options = { reasoningParser: true, chunkDelayMs: 50 };
    const started = performance.now();
    const { out, report } = await sample(server, { idleTimeoutMs: 1000, firstTokenTimeoutMs: 1000, timeoutMs: 120_000 }, [1]);
    server.options = { reasoningParser: true };
    assert.ok(performance.now() - started > 1000, 'the stream took longer than the gap limit');
    assert.equal(report.retries, 0);
    assert.deepEqual(strip(out), strip(plain.filter((s) => s.promptId === 'p1')));
  });

  test('a server that refuses stream: the same request plain, plain from then on', async () => {
    server.options = { reasoningParser: true, supportsStream: false };
    const { out, report } = await sample(server, {});
    server.options = { reasoningParser: true };
    assert.deepEqual(strip(out), strip(plain));
    // Prompts in flight when the first refusal came back may each see one; later requests go plain.
    assert.ok(report.streamFallbacks >= 1 && (server.counts.get('stream-refused') ?? 0) <= 2, JSON.stringify([...server.counts]));
  });

  test('a stopping build aborts a stalled request after the grace period, commits what is done, and leaves the prompt not done', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'distillery-grace-'));
    try {
      server.answered.length = 0;
      server.counts.clear();
      await writeFile(join(tmp, 'prompts.jsonl'), [1, 2, 3].map((i) => JSON.stringify({ id: `q${i}`, question: `What is ${i} + 1?`, answer: `#### ${i + 1}` })).join('\n') + '\n');
      // q3 stalls after its headers for longer than any limit the test waits for.
      server.options = { reasoningParser: true, fault: (b) => (JSON.stringify(b.messages).includes('3 + 1') ? 'stall-after-headers' : null) };
      const pipeline = definePipeline({
        name: 'grace',
        sources: [jsonl(join(tmp, 'prompts.jsonl'))],
        backend: openai({ baseUrl: server.baseUrl, model: 'm', retries: 0, firstTokenTimeoutMs: 600_000, concurrency: 4 }),
        generation: { k: 2, maxTokens: 64 },
        judges: [exactAnswerJudge()],
        selection: keepAccepted(),
        output: { commitEverySeconds: 0 },
      });
      const controller = new AbortController();
      const running = runPipeline(pipeline, { out: join(tmp, 'out'), signal: controller.signal, graceMs: 3000 });
      // Stop once q1 and q2 are answered and q3 hangs: q3's request would wait out its 10-minute first-token limit.
      while (server.answered.length < 2 || !server.counts.has('stall-after-headers')) await new Promise((r) => setTimeout(r, 50));
      const stoppedAt = performance.now();
      controller.abort();
      const report = await running;
      assert.ok(performance.now() - stoppedAt < 60_000, 'stopped long before any request limit');
      assert.equal(report.interrupted, true);
      assert.equal(report.totals.prompts, 2, `q1 and q2 done and committed, q3 not: ${JSON.stringify(report.totals)}`);
    } finally {
      server.options = { reasoningParser: true };
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
