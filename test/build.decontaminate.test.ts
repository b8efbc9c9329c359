import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Prompt } from '../schemas/prompt.ts';
import type { Source, SourceItem } from '../src/sources/source.ts';
import { decontaminate, loadEvalIndex, normalizeForOverlap, wordNgrams } from '../src/sources/decontaminate.ts';
import { nearDedupe } from '../src/sources/near-dedupe.ts';

function memorySource(name: string, prompts: [string, string][]): Source {
  return {
    name,
    describe: () => ({ kind: 'memory', name }),
    digest: async () => `digest-${name}`,
    async *read() {
      for (const [id, text] of prompts) yield { kind: 'prompt', prompt: Prompt.parse({ id, messages: [{ role: 'system', content: 'Reason step by step.' }, { role: 'user', content: text }], source: name }) };
    },
  };
}
async function collect(s: Source): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const it of s.read()) out.push(it);
  return out;
}

const EVAL_A = 'Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?';
const EVAL_B = 'Compute $\\dbinom{31}{28}$.';

async function evalFiles() {
  const dir = await mkdtemp(path.join(tmpdir(), 'decon-'));
  const jsonl = path.join(dir, 'gsm.jsonl');
  await writeFile(jsonl, JSON.stringify({ question: EVAL_A, answer: '72' }) + '\n\n');
  const gz = path.join(dir, 'math.jsonl.gz');
  await writeFile(gz, gzipSync(JSON.stringify({ problem: EVAL_B, unique_id: 'test/counting/1.json' }) + '\n'));
  const arr = path.join(dir, 'custom.json');
  await writeFile(arr, JSON.stringify([{ q: 'The quick brown fox jumps over the lazy dog near the quiet river bank today.', key: 'k9' }]));
  return { dir, jsonl, gz, arr };
}

test('normalisation and n-grams follow open-r1: lower case, collapsed whitespace, word n-grams', () => {
  assert.equal(normalizeForOverlap('  Hello\n\tWORLD  again '), 'hello world again');
  assert.deepEqual(wordNgrams('a b c d', 3), ['a b c', 'b c d']);
  assert.deepEqual(wordNgrams('a b', 3), []);
});

test('flags lightly edited eval items by 8-gram overlap, names the eval file, id and n-gram, passes clean prompts', async () => {
  const f = await evalFiles();
  const s = decontaminate(memorySource('train', [
    ['clean', 'A baker makes 36 loaves each morning and sells two thirds of them before noon. How many are left?'],
    ['edited', 'natalia  sold clips to 48 of her friends in April; then she sold a third as many clips in May. How many in total?'],
    ['short', 'compute $\\dbinom{31}{28}$.'],
    ['custom', 'Translate: the quick brown fox jumps over the lazy dog near the quiet river bank today, please.'],
  ]), { evals: [f.jsonl, f.gz, { path: f.arr, field: 'q', idField: 'key', name: 'custom' }] });
  const items = await collect(s);
  assert.equal(items[0].kind, 'prompt');
  const reasons = items.slice(1).map((i) => (i.kind === 'quarantine' ? i.record.reason : `kept ${i.prompt.id}`));
  assert.deepEqual(reasons, [
    'contaminated: gsm.jsonl:1 (8-gram "natalia sold clips to 48 of her friends")',
    'contaminated: math.jsonl.gz:test/counting/1.json (exact text)',
    'contaminated: custom:k9 (8-gram "the quick brown fox jumps over the lazy")',
  ]);
  const q = items[1] as Extract<SourceItem, { kind: 'quarantine' }>;
  assert.equal(q.record.file, 'decontaminate:train');
  assert.deepEqual({ ...JSON.parse(q.record.raw), messages: undefined }, {
    id: 'edited', source: 'train', domain: 'general', stage: 'decontaminate', eval_file: 'gsm.jsonl', eval_id: '1', ngram: 'natalia sold clips to 48 of her friends', ngram_size: 8, overlaps: 2, match: 'ngram', messages: undefined,
  });
  assert.deepEqual(s.stats(), { seen: 4, kept: 1, dropped: 3 });
});

test('13-gram option is stricter: the same edit is no longer a match', async () => {
  const f = await evalFiles();
  const s = decontaminate(memorySource('train', [['edited', 'natalia sold clips to 48 of her friends in April; then she sold a third as many clips in May.']]), { evals: [f.jsonl], ngram: 13, matchShortExactly: false });
  const items = await collect(s);
  assert.equal(items[0].kind, 'prompt');
  assert.equal(s.describe().ngram, 13);
});

test('the digest pins the eval bytes; bad eval files fail with the file and row', async () => {
  const f = await evalFiles();
  const a = decontaminate(memorySource('t', []), { evals: [f.jsonl] });
  const b = decontaminate(memorySource('t', []), { evals: [f.gz] });
  assert.notEqual(await a.digest(), await b.digest());
  await writeFile(path.join(f.dir, 'bad.jsonl'), '{"question": "ok"}\n{oops\n');
  await assert.rejects(loadEvalIndex([path.join(f.dir, 'bad.jsonl')]), /bad\.jsonl:2: not valid JSON/);
  await writeFile(path.join(f.dir, 'nofield.jsonl'), '{"other": "x"}\n');
  await assert.rejects(loadEvalIndex([path.join(f.dir, 'nofield.jsonl')]), /row 1 has no text field.*set \{ field \}/);
  await assert.rejects(loadEvalIndex([path.join(f.dir, 'missing.jsonl')]), /cannot read evaluation file/);
  assert.throws(() => decontaminate(memorySource('t', []), { evals: [] }), /at least one evaluation file/);
});

test('stages compose: decontaminate(nearDedupe(...)) counts each drop once, at the stage that made it', async () => {
  const f = await evalFiles();
  const inner = nearDedupe(memorySource('t', [['a', EVAL_A], ['b', EVAL_A + ' '], ['c', 'Name a colour of the rainbow that is between green and violet in order.']]));
  const outer = decontaminate(inner, { evals: [f.jsonl] });
  const items = await collect(outer);
  assert.deepEqual(items.map((i) => (i.kind === 'prompt' ? i.prompt.id : i.record.file)), ['decontaminate:t', 'near-dedupe:t', 'c']);
  assert.deepEqual(inner.stats(), { seen: 3, kept: 2, dropped: 1 });
  assert.deepEqual(outer.stats(), { seen: 2, kept: 1, dropped: 1 });
});
