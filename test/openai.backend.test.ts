import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import type { Prompt } from '../schemas/prompt.ts';
import { sampleKey } from '../schemas/sample.ts';
import { openai } from '../src/models/openai/index.ts';
import type { GeneratedSample, SampleRequest } from '../src/models/sampler.ts';
import { type Fault, randomFaults, startOpenAITestServer, type TestServer } from './support/openai-test-server.ts';

const config = GenerationConfig.parse({ k: 4, maxTokens: 64, seed: 7 });

function prompt(i: number): Prompt {
  return { id: `p${i}`, messages: [{ role: 'user', content: `What is ${i} + ${i * 3}?` }], reference: String(i * 4), domain: 'math', source: 'test', meta: {} };
}

function requestsFor(ids: number[], k = 4): SampleRequest[] {
  return ids.map((i) => {
    const indices = Array.from({ length: k }, (_, j) => j);
    return { prompt: prompt(i), indices, keys: indices.map((j) => sampleKey(`p${i}`, j, 'h')) };
  });
}

const fast = { retries: 5, backoffMs: 5, maxBackoffMs: 20, timeoutMs: 2000 };

function byPrompt(samples: GeneratedSample[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const s of samples) m.set(s.promptId, [...(m.get(s.promptId) ?? []), s.index].sort());
  return m;
}

describe('openai backend against a vLLM-shaped server', () => {
  let server: TestServer;
  before(async () => {
    server = await startOpenAITestServer();
  });
  after(() => server.close());

  test('one n request per prompt; k samples with text, usage and finish reason', async () => {
    server.options = {};
    server.answered.length = 0;
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const out = await sampler.generate(requestsFor([1, 2, 3]), config);
    await sampler.close();
    assert.equal(out.length, 12);
    assert.equal(server.answered.length, 3);
    assert.ok(server.answered.every((b) => b.n === 4 && typeof b.seed === 'number' && b.max_tokens === 64 && b.temperature === 0.8));
    for (const s of out) {
      assert.equal(s.error, null);
      assert.equal(s.finishReason, 'stop');
      assert.match(s.text, /^<think>\n[\s\S]+<\/think>\n\nThe answer is \\boxed\{\d+\}\.$/);
      assert.ok(s.promptTokens > 0 && s.completionTokens > 0);
    }
    assert.deepEqual([...byPrompt(out).values()], [[0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]]);
    const report = (sampler as unknown as { report(): Record<string, number> }).report();
    assert.equal(report.requests, 3);
    assert.equal(report.completionTokens, out.reduce((a, s) => a + s.completionTokens, 0));
  });

  test('same keys, same requests: a second run gives the same texts', async () => {
    server.options = {};
    const a = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const b = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const [x, y] = await Promise.all([a.generate(requestsFor([5]), config), b.generate(requestsFor([5]), config)]);
    await Promise.all([a.close(), b.close()]);
    assert.deepEqual(x, y);
    assert.equal(new Set(x.map((s) => s.text)).size > 1, true, 'the k samples of a prompt differ');
  });

  test('reasoning_content is put back as the <think> part', async () => {
    server.options = { reasoningParser: true };
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'r1', ...fast }).open();
    const out = await sampler.generate(requestsFor([4], 2), config);
    await sampler.close();
    for (const s of out) assert.match(s.text, /^<think>\nAdd 4 and 12: [^<]+\n<\/think>\n\nThe answer is \\boxed\{\d+\}\.$/);
  });

  test('max_tokens reached: finish reason length', async () => {
    server.options = {};
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const out = await sampler.generate(requestsFor([4], 2), GenerationConfig.parse({ maxTokens: 3 }));
    await sampler.close();
    assert.deepEqual(out.map((s) => s.finishReason), ['length', 'length']);
    assert.ok(out.every((s) => s.completionTokens <= 3));
  });

  test('completions endpoint renders the chat template and appends the prefill', async () => {
    server.options = {};
    server.answered.length = 0;
    const chatTemplate = "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', endpoint: 'completions', chatTemplate, prefill: '<think>\n', ...fast }).open();
    const out = await sampler.generate(requestsFor([2], 2), config);
    await sampler.close();
    assert.equal(server.answered[0].prompt, '<|user|>What is 2 + 6?<|assistant|><think>\n');
    assert.ok(out.every((s) => s.prefill === '<think>\n' && s.error === null && s.text.length > 0));
  });

  test('per-prompt overrides from prompt.meta.sampling', async () => {
    server.options = {};
    server.answered.length = 0;
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const p = { ...prompt(3), meta: { sampling: { temperature: 0.1, max_tokens: 9 } } };
    await sampler.generate([{ prompt: p, indices: [0], keys: ['k0'] }], config);
    await sampler.close();
    assert.equal(server.answered[0].temperature, 0.1);
    assert.equal(server.answered[0].max_tokens, 9);
  });

  test('n refused (400): falls back to k single requests with their own seeds', async () => {
    server.options = { supportsN: false };
    server.answered.length = 0;
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const out = await sampler.generate(requestsFor([1, 2]), config);
    await sampler.close();
    assert.equal(out.length, 8);
    assert.ok(out.every((s) => s.error === null));
    assert.equal(server.answered.length, 8);
    assert.equal(new Set(server.answered.map((b) => b.seed)).size, 8);
    assert.ok((sampler as unknown as { report(): Record<string, number> }).report().nFallbacks >= 1);
  });

  for (const fault of ['429', '500', 'hang', 'reset', 'malformed', 'truncated'] as Fault[]) {
    test(`fault ${fault} on the first attempt is retried`, async () => {
      let first = true;
      server.options = { fault: () => (first ? ((first = false), fault) : null) };
      const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast, timeoutMs: 300 }).open();
      const out = await sampler.generate(requestsFor([1]), config);
      await sampler.close();
      assert.ok(out.every((s) => s.error === null && s.text.length > 0), JSON.stringify(out));
      const report = (sampler as unknown as { report(): Record<string, number> }).report();
      assert.equal(report.retries, 1);
      assert.equal(report.requests, 2);
    });
  }

  test('a request that keeps failing becomes error samples with the reason; never a throw', async () => {
    server.options = { fault: (body) => (JSON.stringify(body.messages).includes('What is 2 ') ? '500' : null) };
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast, retries: 2 }).open();
    const out = await sampler.generate(requestsFor([1, 2]), config);
    await sampler.close();
    const bad = out.filter((s) => s.promptId === 'p2');
    assert.equal(bad.length, 4);
    for (const s of bad) {
      assert.equal(s.finishReason, 'error');
      assert.equal(s.text, '');
      assert.match(s.error ?? '', /3 attempt\(s\) failed; last: HTTP 500/);
    }
    assert.ok(out.filter((s) => s.promptId === 'p1').every((s) => s.error === null));
  });

  test('a 4xx other than an n refusal is not retried', async () => {
    server.options = {};
    const sampler = await openai({ baseUrl: server.baseUrl.replace('/v1', '/nope'), model: 'm', ...fast }).open();
    const out = await sampler.generate(requestsFor([1], 1), config);
    await sampler.close();
    assert.match(out[0].error ?? '', /1 attempt\(s\) failed; last: HTTP 404/);
  });

  test('the caller abort throws instead of producing error samples', async () => {
    server.options = { fault: () => 'hang' };
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast }).open();
    const ac = new AbortController();
    const p = sampler.generate(requestsFor([1]), config, ac.signal);
    setImmediate(() => ac.abort(new Error('stopping')));
    await assert.rejects(p, /stopping/);
    await sampler.close();
  });

  test('20 % faulty requests: every prompt comes back with all its samples, none twice', async () => {
    server.options = { fault: randomFaults(0.2, 42) };
    const sampler = await openai({ baseUrl: server.baseUrl, model: 'm', ...fast, timeoutMs: 300, concurrency: 16 }).open();
    const ids = Array.from({ length: 60 }, (_, i) => i);
    const out = await sampler.generate(requestsFor(ids), config);
    await sampler.close();
    assert.equal(out.length, 240);
    assert.equal(new Set(out.map((s) => `${s.promptId}#${s.index}`)).size, 240);
    const failed = [...server.counts.entries()].filter(([k]) => k !== 'ok').reduce((a, [, v]) => a + v, 0);
    assert.ok(failed > 0, 'faults were injected');
  });

  test('API key from the environment is sent and never described', async () => {
    server.options = {};
    process.env.DISTILLERY_TEST_KEY = 'sk-test-secret';
    const backend = openai({ baseUrl: server.baseUrl, model: 'm', apiKeyEnv: 'DISTILLERY_TEST_KEY', ...fast });
    assert.ok(!JSON.stringify(backend.describe()).includes('sk-test-secret'));
    const sampler = await backend.open();
    await sampler.generate(requestsFor([1], 1), config);
    await sampler.close();
    assert.ok(server.authorizations.has('Bearer sk-test-secret'));
    delete process.env.DISTILLERY_TEST_KEY;
    await assert.rejects(backend.open(), /DISTILLERY_TEST_KEY is not set/);
  });
});

describe('openai backend identity', () => {
  test('describe() leaves out where and how fast (baseUrl, concurrency), keeps what changes outputs', () => {
    const a = openai({ baseUrl: 'http://a:1/v1', model: 'm', concurrency: 8 }).describe();
    const b = openai({ baseUrl: 'http://b:2/v1', model: 'm', concurrency: 512, rpm: 100 }).describe();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, openai({ baseUrl: 'http://a:1/v1', model: 'm2' }).describe());
    assert.notDeepEqual(a, openai({ baseUrl: 'http://a:1/v1', model: 'm', n: false }).describe());
  });

  test('bad options are a config error naming the field', () => {
    assert.throws(() => openai({ baseUrl: 'not a url', model: 'm' }), /openai backend: baseUrl/);
    assert.throws(() => openai({ baseUrl: 'http://a/v1', model: 'm', endpoint: 'completions' }), /openai backend: chatTemplate: endpoint "completions" needs/);
  });
});
