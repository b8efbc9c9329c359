import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempWorkdir } from './support/engine-fixture.ts';

/**
 * `distillery judge generative` end to end through the real OpenAI-compatible backend and a real HTTP server on
 * 127.0.0.1. The server is a TEST DOUBLE of a judging model: it answers the team's judging task by normalised
 * string comparison, and says "maybe" when asked about the reference "??" (an unreadable verdict).
 */
test('judge generative --base-url: verdicts per line, unreadable output is error, requests batched by the CLI', async () => {
  const bodies: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as { messages: { content: string }[]; n?: number };
      bodies.push(body);
      const user = body.messages.at(-1)!.content;
      const m = /Reference answer: (.*)\nCandidate answer: (.*)\n/.exec(user)!;
      const verdict = m[1] === '??' ? 'maybe' : m[1].replace(/\s/g, '') === m[2].replace(/\s/g, '') ? 'yes' : 'no';
      const content = `<think>Compare ${m[1]} with ${m[2]}.</think>\n<answer>${verdict}</answer>`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', model: 'judge', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const dir = tempWorkdir('quality-gen-cli');
    const input = path.join(dir, 'cases.jsonl');
    const output = path.join(dir, 'out.jsonl');
    writeFileSync(input, [
      { id: 'a', reference: '3/4', response: '<think>add</think>So <answer>3 / 4</answer>' },
      { id: 'b', reference: '3/4', response: '<think>add</think>\\boxed{1}' },
      { id: 'c', reference: '??', response: '<think>add</think>\\boxed{1}' },
      { id: 'd', reference: '5', response: 'five</think>5' },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await runCli(['judge', 'generative', '--input', input, '--output', output, '--base-url', `http://127.0.0.1:${port}/v1`, '--model-name', 'judge', '--prefilled-think']);
    assert.equal(r.code, 0, r.stderr);
    const rows = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((x) => [x.id, x.verdict]), [['a', 'pass'], ['b', 'fail'], ['c', 'error'], ['d', 'pass']]);
    assert.match(rows[2].reason, /unreadable/);
    assert.equal(bodies.length, 4);
    // only the final answer is sent to the judge, never the reasoning
    assert.ok(bodies.every((b) => !JSON.stringify(b).includes('add')));
    const bad = await runCli(['judge', 'generative', '--input', input, '--base-url', `http://127.0.0.1:${port}/v1`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--model-name/);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
