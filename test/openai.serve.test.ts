import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { GenerationConfig } from '../schemas/generation.ts';
import { openai } from '../src/models/openai/index.ts';
import { openAIServer } from '../src/models/openai/serve.ts';
import { startOpenAITestServer } from './support/openai-test-server.ts';

test('serve: an OpenAI endpoint over a Sampler answers the openai backend (n, usage, errors as 500)', async () => {
  const upstream = await startOpenAITestServer();
  const inner = await openai({ baseUrl: upstream.baseUrl, model: 'inner', retries: 0, backoffMs: 1 }).open();
  const server = openAIServer(inner);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  try {
    const client = await openai({ baseUrl: url, model: 'whatever', retries: 1, backoffMs: 1 }).open();
    const prompt = { id: 'p', messages: [{ role: 'user' as const, content: 'What is 2 + 3?' }], reference: null, domain: 'math', source: 't', meta: {} };
    const out = await client.generate([{ prompt, indices: [0, 1, 2], keys: ['a', 'b', 'c'] }], GenerationConfig.parse({ maxTokens: 100 }));
    assert.equal(out.length, 3);
    assert.ok(out.every((s) => s.error === null && /^<think>\n[\s\S]*<\/think>\n\nThe answer is \\boxed\{\d+\}\.$/.test(s.text) && s.completionTokens > 0));
    assert.equal(client.model, 'whatever');
    upstream.options = { fault: () => '500' };
    const failed = await client.generate([{ prompt, indices: [0], keys: ['a'] }], GenerationConfig.parse({}));
    assert.match(failed[0].error ?? '', /HTTP 500: .*HTTP 500/);
    const models = (await (await fetch(`${url}/models`)).json()) as { data: { id: string }[] };
    assert.equal(models.data[0].id, 'inner');
    await client.close();
  } finally {
    server.close();
    server.closeAllConnections();
    await inner.close();
    await upstream.close();
  }
});
