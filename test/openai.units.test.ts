import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageLedger } from '../src/models/openai/cost.ts';
import { parseRetryAfter } from '../src/models/openai/http-client.ts';
import { RateLimiter, TokenBucket } from '../src/models/openai/rate-limiter.ts';
import { joinReasoning, mapResponse, responseProblem, shareTokens } from '../src/models/openai/response-mapping.ts';
import { MAX_RETRY_AFTER_MS, retryDelayMs } from '../src/models/openai/retry.ts';
import { requestSeed } from '../src/models/openai/seed.ts';

test('token bucket: full at start, then waits for refill; debt keeps arrival order', () => {
  const b = new TokenBucket(2, 1 / 1000, 0); // 2 tokens, one a second
  assert.equal(b.reserve(1, 0), 0);
  assert.equal(b.reserve(1, 0), 0);
  assert.equal(b.reserve(1, 0), 1000);
  assert.equal(b.reserve(1, 0), 2000);
  assert.equal(b.reserve(1, 3000), 0); // 3 s refilled 3 tokens over a debt of 2: one is there
  b.adjust(-5, 3000); // refund (capped at capacity)
  assert.equal(b.reserve(2, 3000), 0);
  assert.equal(b.reserve(4, 3000), 4000); // larger than the bucket: goes through after the wait, no deadlock
});

test('rate limiter: rpm and tpm, the larger wait wins; usage corrects the estimate', () => {
  let now = 0;
  const r = new RateLimiter({ rpm: 60, tpm: 600 }, () => now); // 1 req/s, 10 tok/s
  assert.equal(r.reserve(100), 0);
  assert.equal(r.reserve(600), 1000 * 100 / 10); // tokens: 600-100-600 = -100 → 10 s; requests: 1 s
  r.settle(600, 0); // the request failed: refund its tokens
  now = 10_000;
  assert.equal(r.reserve(1), 0);
  assert.equal(new RateLimiter({}).active, false);
});

test('retry delay: full jitter under the exponential cap, Retry-After honoured (capped)', () => {
  const policy = { retries: 5, backoffMs: 100, maxBackoffMs: 1000 };
  assert.equal(retryDelayMs(0, null, policy, () => 0.5), 50);
  assert.equal(retryDelayMs(3, null, policy, () => 0.5), 400);
  assert.equal(retryDelayMs(4, null, policy, () => 0.999), 999);
  assert.equal(retryDelayMs(10, null, policy, () => 1), 1000);
  assert.equal(retryDelayMs(0, 2000, policy, () => 0), 2000);
  assert.equal(retryDelayMs(0, 2000, policy, () => 1), 2200);
  assert.equal(retryDelayMs(0, 10 * MAX_RETRY_AFTER_MS, policy, () => 0), MAX_RETRY_AFTER_MS);
});

test('Retry-After: retry-after-ms, seconds, HTTP date, garbage', () => {
  assert.equal(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '1' }, 0), 250);
  assert.equal(parseRetryAfter({ 'retry-after': '3' }, 0), 3000);
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
  assert.equal(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:05 GMT' }, now), 5000);
  assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, 0), null);
  assert.equal(parseRetryAfter({}, 0), null);
});

test('completion tokens shared over n choices by length, the sum exact', () => {
  assert.deepEqual(shareTokens(10, [1, 1, 1]), [4, 3, 3]);
  assert.deepEqual(shareTokens(7, [0, 0]), [4, 3]);
  assert.deepEqual(shareTokens(100, [30, 10]), [75, 25]);
  assert.deepEqual(shareTokens(5, [9]), [5]);
});

test('response mapping: reasoning joined, choices by index, finish reasons, problems found', () => {
  const json = {
    choices: [
      { index: 1, message: { content: 'B', reasoning_content: null }, finish_reason: 'length' },
      { index: 0, message: { content: ' A', reasoning_content: ' why ' }, finish_reason: 'stop' },
      { index: 2, message: { content: '', reasoning: 'r' }, finish_reason: 'content_filter' },
    ],
    usage: { prompt_tokens: 5, completion_tokens: 6 },
  };
  assert.equal(responseProblem(json, 'chat', 3), null);
  assert.match(responseProblem(json, 'chat', 4) ?? '', /3 choices, expected 4/);
  assert.match(responseProblem({}, 'chat', 1) ?? '', /no "choices"/);
  assert.match(responseProblem({ choices: [{ text: 'x' }] }, 'chat', 1) ?? '', /no "message"/);
  const m = mapResponse(json, 'chat');
  assert.deepEqual(m.choices.map((c) => [c.text, c.finishReason, c.error]), [
    ['<think>\nwhy\n</think>\n\nA', 'stop', null],
    ['B', 'length', null],
    ['<think>\nr\n</think>\n\n', 'error', 'server finish_reason "content_filter"'],
  ]);
  assert.equal(m.promptTokens, 5);
  assert.equal(joinReasoning('', 'x'), 'x');
});

test('seeds: stable per key, differ across keys and base seeds, 31 bits', () => {
  assert.equal(requestSeed(0, 'a#0@h'), requestSeed(0, 'a#0@h'));
  assert.notEqual(requestSeed(0, 'a#0@h'), requestSeed(0, 'a#1@h'));
  assert.notEqual(requestSeed(0, 'a#0@h'), requestSeed(1, 'a#0@h'));
  assert.ok(requestSeed(3, 'x') < 2 ** 31);
});

test('cost: per million tokens, null without prices', () => {
  const l = new UsageLedger({ promptPerMillion: 0.5, completionPerMillion: 2 });
  l.recordUsage(2_000_000, 1_000_000);
  assert.equal(l.cost(), 3);
  assert.equal(new UsageLedger(undefined).cost(), null);
  l.recordFailure('HTTP 500: boom');
  l.recordFailure('HTTP 500: bang');
  assert.deepEqual(l.report().failures, { 'HTTP 500': 2 });
});
