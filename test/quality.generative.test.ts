import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generativeJudge, parseVerdict } from '../src/judges/generative/index.ts';
import { finalAnswer } from '../schemas/response.ts';
import type { Backend, GeneratedSample, Sampler, SampleRequest } from '../src/models/sampler.ts';
import { Prompt } from '../schemas/prompt.ts';
import type { Sample } from '../schemas/sample.ts';
import { verdict } from '../schemas/verdict.ts';

test('parseVerdict reads yes/no, tags, JSON, scores; ambiguous or unfinished output is null', () => {
  const cases: [string, unknown][] = [
    ['yes', true], ['No.', false], ['<think>they match</think>\n<answer>yes</answer>', true], ['<think>hmm</think><answer>no', false],
    ['{"verdict": "correct"}', true], ['Sure: {"equivalent": false}', false], ['{"score": 7}', 7],
    ['The rationale...\n[Reward Score] = 1', 1], ['Score: 8/10', 0.8], ['Rating: [[9]]', 9], ['\\boxed{no}', false],
    ['The candidate is not equivalent to the reference.', false], ['Yes, both are 1/2.', true],
  ];
  for (const [text, want] of cases) assert.equal(parseVerdict(text)?.value, want, text);
  for (const bad of ['<think>still deciding whether', '', 'maybe', 'yes or no, hard to say']) assert.equal(parseVerdict(bad), null, bad);
});

test('finalAnswer takes the answer tag, else the last box, else the text after </think>', () => {
  assert.equal(finalAnswer('<think>r</think> so <answer>\\boxed{\\frac{1}{2}}</answer>'), '\\frac{1}{2}');
  assert.equal(finalAnswer('<think>r</think>Thus \\boxed{42}.'), '42');
  assert.equal(finalAnswer('<think>r</think>It is 7'), 'It is 7');
  assert.equal(finalAnswer('<think>never closed'), '');
});

/**
 * TEST DOUBLE: a Backend following the Sampler contract that answers the judging task by normalised string
 * comparison, so the judge's plumbing (batching, lazy open, when/ruleJudge, parsing, errors) is tested without a
 * model. The real model runs in test/quality.generative-model.test.ts.
 */
function comparingBackend(reply?: (user: string) => string) {
  const calls: number[] = [];
  let opened = 0;
  let closed = 0;
  const sampler: Sampler = {
    model: 'comparing-double',
    async generate(requests: readonly SampleRequest[]): Promise<GeneratedSample[]> {
      calls.push(requests.length);
      return requests.map((r) => {
        const user = r.prompt.messages.at(-1)!.content;
        const m = /Reference answer: (.*)\nCandidate answer: (.*)\n/.exec(user);
        const text = reply ? reply(user) : `<think>compare</think>\n<answer>${m && m[1].replace(/\s/g, '') === m[2].replace(/\s/g, '') ? 'yes' : 'no'}</answer>`;
        return { promptId: r.prompt.id, index: 0, prefill: '', text, finishReason: 'stop', promptTokens: 1, completionTokens: 1, error: null };
      });
    },
    async close() {
      closed++;
    },
  };
  const backend: Backend = { kind: 'double', describe: () => ({ kind: 'double' }), batchSize: 2, concurrency: 1, open: async () => (opened++, sampler) };
  return { backend, calls, stats: () => ({ opened, closed }) };
}

const prompt = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'What is 1/2 + 1/4?' }], source: 't', reference: '3/4' });
const sample = (index: number, text: string): Sample => ({ key: `p#${index}@h`, promptId: 'p', index, configHash: 'h', prefill: '', text, finishReason: 'stop', promptTokens: 1, completionTokens: 1, model: 'm', error: null });

test('correctness: compares the final answer only, batched by the backend batch size, opened once', async () => {
  const d = comparingBackend();
  const j = generativeJudge({ sampler: d.backend, mode: 'correctness' });
  assert.equal(d.stats().opened, 0, 'opened lazily');
  const samples = [sample(0, '<think>3/4 is wrong, 1</think><answer>3 / 4</answer>'), sample(1, '<think>x</think>\\boxed{1}'), sample(2, '<think>no end'), sample(3, '<think>x</think>3/4')];
  const vs = await j.judge(prompt, samples, { previous: [] });
  assert.deepEqual(vs.map((v) => v?.verdict), ['pass', 'fail', 'fail', 'pass']);
  assert.deepEqual(vs.map((v) => v?.category), ['ok', 'wrong_answer', 'no_answer', 'ok']);
  assert.match(vs[2]!.reason, /no final answer/);
  assert.deepEqual(d.calls, [2, 1]);
  await j.judge(prompt, samples.slice(0, 1), { previous: [] });
  assert.equal(d.stats().opened, 1);
  await j.close!();
  assert.equal(d.stats().closed, 1);
});

test("when: 'rule-failed' asks only where the rule judge did not pass; 'no-rule' only where it gave nothing", async () => {
  const d = comparingBackend();
  const samples = [sample(0, '<think>x</think>3/4'), sample(1, '<think>x</think>0.75'), sample(2, '<think>x</think>3/4')];
  const previous = [[verdict('math', 'pass', 'ok')], [verdict('math', 'fail', 'no', { category: 'wrong_answer' })], [verdict('math', 'error', 'parse', { category: 'unparseable_reference' })]];
  const vs = await generativeJudge({ sampler: d.backend, mode: 'correctness', when: 'rule-failed', ruleJudge: 'math' }).judge(prompt, samples, { previous });
  assert.deepEqual(vs.map((v) => v?.verdict ?? null), [null, 'fail', 'pass']);
  const nr = await generativeJudge({ sampler: d.backend, mode: 'correctness', when: 'no-rule', ruleJudge: 'math' }).judge(prompt, samples, { previous: [[], previous[1], []] });
  assert.deepEqual(nr.map((v) => v?.verdict ?? null), ['pass', null, 'pass']);
  assert.throws(() => generativeJudge({ sampler: d.backend, mode: 'correctness', when: 'rule-failed' }), /needs ruleJudge/);
});

test('unreadable judge output is error, never fail; a missing reference is error', async () => {
  const d = comparingBackend(() => 'I am not sure what to say here');
  const [v] = await generativeJudge({ sampler: d.backend, mode: 'correctness' }).judge(prompt, [sample(0, '<think>x</think>3/4')], { previous: [] });
  assert.equal(v?.verdict, 'error');
  assert.match(v!.reason, /unreadable/);
  assert.equal(v?.category, 'judge_unreadable');
  const noRef = Prompt.parse({ id: 'q', messages: [{ role: 'user', content: 'hi' }], source: 't' });
  const [w] = await generativeJudge({ sampler: d.backend, mode: 'correctness' }).judge(noRef, [sample(0, '<think>x</think>3/4')], { previous: [] });
  assert.equal(w?.verdict, 'error');
  assert.equal(w?.category, 'no_reference');
});

test('helpfulness rates the summary only, scores mapped to [0, 1]; harmlessness sees the whole response', async () => {
  const seen: string[] = [];
  const d = comparingBackend((user) => (seen.push(user), user.includes('Rate the helpfulness') ? 'Score: 8' : '<answer>no</answer>'));
  const s = sample(0, '<think>SECRET-REASONING</think>The sum is 3/4.');
  const [h] = await generativeJudge({ sampler: d.backend, mode: 'helpfulness' }).judge(prompt, [s], { previous: [] });
  assert.equal(h?.verdict, 'pass');
  assert.ok(Math.abs(h!.score! - 7 / 9) < 1e-9);
  assert.ok(!seen[0].includes('SECRET-REASONING') && seen[0].includes('The sum is 3/4.'));
  const [x] = await generativeJudge({ sampler: d.backend, mode: 'harmlessness' }).judge(prompt, [s], { previous: [] });
  assert.equal(x?.verdict, 'fail');
  assert.ok(seen[1].includes('SECRET-REASONING'));
});

test('a backend that cannot open or throws gives error verdicts', async () => {
  const broken: Backend = { kind: 'broken', describe: () => ({}), batchSize: 4, concurrency: 1, open: async () => { throw new Error('model dir missing'); } };
  const [v] = await generativeJudge({ sampler: broken, mode: 'correctness' }).judge(prompt, [sample(0, '<think>x</think>3/4')], { previous: [] });
  assert.equal(v?.verdict, 'error');
  assert.match(v!.reason, /model dir missing/);
});
