import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { jsonl } from '../src/sources/jsonl.ts';
import { parquet } from '../src/sources/parquet.ts';
import { rowToPrompt, gsm8kReference, RowError } from '../src/sources/prompt-mapping.ts';
import { inShard, parseShard } from '../src/sources/shard.ts';
import { ExactDedupe } from '../src/sources/exact-dedupe.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { finalAnswer } from '../schemas/response.ts';
import { replay } from '../src/models/replay/index.ts';
import { Prompt } from '../schemas/prompt.ts';
import { GenerationConfig } from '../schemas/generation.ts';
import type { SourceItem } from '../src/sources/source.ts';
import { duck, tempWorkdir } from './support/engine-fixture.ts';

async function all(it: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('column mappings: the common HF layouts and an explicit mapping', () => {
  const m = rowToPrompt({ problem: 'Find x.', answer: '3', solution: 'x = 3', unique_id: 'algebra/1' }, { source: 's' });
  assert.deepEqual([m.id, m.messages, m.reference, m.meta], ['algebra/1', [{ role: 'user', content: 'Find x.' }], '3', { solution: 'x = 3' }]);
  const g = rowToPrompt({ question: 'How many?', answer: 'She has 1,200 + 5.\n#### 1,205' }, { source: 's', system: 'Think first.' });
  assert.equal(g.reference, '1205');
  assert.equal(g.meta.solution, 'She has 1,200 + 5.\n#### 1,205');
  assert.deepEqual(g.messages[0], { role: 'system', content: 'Think first.' });
  // A GSM8K-style row without "#### n": quarantined with a reason, never the whole solution as the reference.
  assert.throws(() => rowToPrompt({ question: 'How many?', answer: 'She has 1,200 + 5 = 1,205 apples.' }, { source: 's' }), (e: Error & { category?: string }) => e.category === 'no-reference' && /#### <number>/.test(e.message));
  assert.throws(() => rowToPrompt({ question: 'How many?', answer: 'She has 5.\n####   ' }, { source: 's' }), /no final "#### <number>"/);
  const p = rowToPrompt({ prompt: 'Say hi', reference: 'hi', id: 7 }, { source: 's' });
  assert.deepEqual([p.id, p.reference], ['7', 'hi']);
  const c = rowToPrompt({ messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.' }] }, { source: 's' });
  assert.deepEqual([c.messages.length, c.reference], [1, 'A.']);
  const e = rowToPrompt({ q: 'Why?', gold: 'Because', topic: 'logic' }, { source: 's', mapping: { prompt: 'q', reference: 'gold', domain: 'topic' } });
  assert.deepEqual([e.messages[0].content, e.reference, e.domain], ['Why?', 'Because', 'logic']);
  // A recognised layout's `domain` column is each row's domain; a source's domain option or an explicit mapping wins.
  assert.equal(rowToPrompt({ id: 'm1', prompt: '1+1?', reference: '2', domain: 'math' }, { source: 's' }).domain, 'math');
  assert.equal(rowToPrompt({ problem: 'Find x.', domain: 'logic' }, { source: 's' }).domain, 'logic');
  assert.equal(rowToPrompt({ prompt: 'Hi', domain: 'math' }, { source: 's', domain: 'general' }).domain, 'general');
  assert.equal(rowToPrompt({ prompt: 'Hi', domain: 'math' }, { source: 's', mapping: { prompt: 'prompt' } }).domain, 'general');
  assert.equal(rowToPrompt({ prompt: 'Hi' }, { source: 's' }).domain, 'general');
  assert.throws(() => rowToPrompt({ prompt: 'Hi', domain: 3 }, { source: 's' }), (err: RowError) => err.category === 'wrong-type');
  // No id column: a stable hash of the content.
  assert.equal(rowToPrompt({ prompt: 'x' }, { source: 's' }).id, rowToPrompt({ prompt: 'x' }, { source: 'other' }).id);
  assert.notEqual(rowToPrompt({ prompt: 'x' }, { source: 's' }).id, rowToPrompt({ prompt: 'y' }, { source: 's' }).id);
  assert.throws(() => rowToPrompt({ prompt: ['x'] }, { source: 's' }), (err: RowError) => err.category === 'wrong-type');
  assert.throws(() => rowToPrompt({ text: 'x' }, { source: 's' }), (err: RowError) => err.category === 'missing-field');
  assert.equal(gsm8kReference('no marker'), null);
});

test('parquet source (written by DuckDB with ZSTD) maps rows and quarantines bad ones with their row number', async () => {
  const dir = tempWorkdir('pq');
  const file = path.join(dir, 'train.parquet');
  await duck(`COPY (SELECT * FROM (VALUES ('a', 'What is 1+1?', '2'), ('b', NULL, '3'), ('c', '   ', '4'), ('d', 'Name a prime.', NULL)) t(id, problem, answer)) TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
  const src = parquet(file, { domain: 'math' });
  assert.equal(await src.count!(), 4);
  const items = await all(src.read());
  assert.deepEqual(items.map((i) => (i.kind === 'prompt' ? i.prompt.id : i.record.reason.split(':')[0] + '@' + i.record.line)), ['a', 'missing-field@2', 'empty-prompt@3', 'd']);
  const a = items[0].kind === 'prompt' ? items[0].prompt : null;
  assert.deepEqual([a?.reference, a?.domain, a?.source], ['2', 'math', 'train.parquet']);
  assert.match(await src.digest(), /^[0-9a-f]{64}$/);
});

test('jsonl source: CRLF lines, a final line without newline, and the size limit from the pipeline', async () => {
  const dir = tempWorkdir('jl');
  const file = path.join(dir, 'p.jsonl');
  writeFileSync(file, `{"prompt":"one"}\r\n{"prompt":"${'x'.repeat(300)}"}\n{"prompt":"three"}`);
  const items = await all(jsonl(file).read({ maxPromptBytes: 100 }));
  assert.deepEqual(items.map((i) => (i.kind === 'prompt' ? i.prompt.messages[0].content : i.record.reason.split(':')[0])), ['one', 'too-large', 'three']);
  assert.throws(() => jsonl(path.join(dir, 'absent.jsonl')), /absent\.jsonl: file not found/);
});

test('exact dedupe normalises whitespace and case; a reused id with other text is flagged', () => {
  const d = new ExactDedupe(true);
  const p = (id: string, text: string) => Prompt.parse({ id, messages: [{ role: 'user', content: text }], source: 's' });
  assert.equal(d.check(p('1', 'What is  2+2?')), 'new');
  assert.equal(d.check(p('2', ' what is 2+2? ')), 'duplicate');
  assert.equal(d.check(p('1', 'Another question')), 'duplicate-id');
});

test('shard filter: disjoint and covering', () => {
  const ids = Array.from({ length: 500 }, (_, i) => `id-${i}`);
  const owners = ids.map((id) => [0, 1, 2, 3].filter((i) => inShard(id, { index: i, count: 4 })));
  assert.ok(owners.every((o) => o.length === 1));
  assert.ok([0, 1, 2, 3].every((i) => owners.filter((o) => o[0] === i).length > 60));
  assert.deepEqual(parseShard('2/5'), { index: 2, count: 5 });
  assert.throws(() => parseShard('5/5'), /0 ≤ I < N/);
  assert.throws(() => parseShard('a/b'), /expected I\/N/);
});

test('exact-answer judge: answer after </think>, <answer> or last \\boxed{}, whitespace-normalised; no reference is an error', async () => {
  assert.equal(finalAnswer('<think>r \\boxed{1}</think> so \\boxed{\\frac{1}{2}}'), '\\frac{1}{2}');
  assert.equal(finalAnswer('<think>r</think><answer> 4 2 </answer>'), '4 2');
  assert.equal(finalAnswer('<think>never closed \\boxed{3}'), '');
  const judge = exactAnswerJudge();
  const prompt = (reference: string | null) => Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], reference, source: 's' });
  const sample = (text: string) => ({ key: 'k', promptId: 'p', index: 0, configHash: 'h', prefill: '', text, finishReason: 'stop' as const, promptTokens: 0, completionTokens: 0, model: 'm', error: null });
  const [a, b, c] = await judge.judge(prompt('x  + 1'), [sample('<think>t</think>\n<answer>x +\n1</answer>'), sample('<think>t</think> x + 2'), sample('no think')], { previous: [[], [], []] });
  assert.deepEqual([a?.verdict, b?.verdict, c?.verdict, c?.reason], ['pass', 'fail', 'fail', 'no final answer']);
  const [d] = await judge.judge(prompt(null), [sample('<think>t</think>1')], { previous: [[]] });
  assert.equal(d?.verdict, 'error');
});

test('replay backend: JSONL and Parquet recordings by prompt id; a missing one is an error sample', async () => {
  const dir = tempWorkdir('replay');
  const jl = path.join(dir, 'rec.jsonl');
  writeFileSync(jl, [{ prompt_id: 'p', index: 0, text: 'zero', finish_reason: 'stop', completion_tokens: 3 }, { prompt_id: 'p', sample_index: 1, response: 'one two', finish_reason: 'length' }].map((r) => JSON.stringify(r)).join('\n'));
  const pq = path.join(dir, 'rec.parquet');
  await duck(`COPY (SELECT 'p' AS prompt_id, 0 AS sample_index, 'from parquet' AS text, 'stop' AS finish_reason) TO '${pq}' (FORMAT parquet, COMPRESSION zstd)`);
  const prompt = Prompt.parse({ id: 'p', messages: [{ role: 'user', content: 'q' }], source: 's' });
  const gen = GenerationConfig.parse({});
  const s = await replay({ file: jl, model: 'teacher' }).open();
  const got = await s.generate([{ prompt, indices: [0, 1, 2], keys: ['a', 'b', 'c'] }], gen);
  assert.deepEqual(got.map((g) => [g.text, g.finishReason, g.completionTokens]), [['zero', 'stop', 3], ['one two', 'length', 2], ['', 'error', 0]]);
  assert.match(got[2].error!, /no recording for prompt "p" sample 2 in rec\.jsonl/);
  await s.close();
  const sp = await replay({ file: pq }).open();
  assert.equal((await sp.generate([{ prompt, indices: [0], keys: ['a'] }], gen))[0].text, 'from parquet');
  await sp.close();
});
