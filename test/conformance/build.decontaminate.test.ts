import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceItem } from '../../src/sources/source.ts';
import { jsonl } from '../../src/sources/jsonl.ts';
import { decontaminate } from '../../src/sources/decontaminate.ts';
import { nearDedupe } from '../../src/sources/near-dedupe.ts';
import { tokenize } from '../../src/sources/minhash-lsh.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(repoRoot, '../shared/datasets');
const MATH500 = path.join(shared, 'math500_test.jsonl');
const GSM8K = path.join(shared, 'gsm8k_test.jsonl');

async function rows(file: string): Promise<Record<string, string>[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** A light edit a contaminated training set might hold: one number changed, a lead-in added, spacing and case changed. */
function lightlyEdit(text: string, i: number): string {
  const changed = text.replace(/\d+/, (d) => String(Number(d) + 1 + (i % 3)));
  return `Please solve:   ${i % 2 ? changed.toUpperCase() : changed}`;
}

/** Clean prompts from a template generator: new problems in the GSM8K style that share no text with the evals. */
function generated(n: number): { id: string; prompt: string; answer: string }[] {
  const names = ['Orla', 'Tavish', 'Ximena', 'Baptiste', 'Ingrid', 'Kofi', 'Marisol', 'Yusuf'];
  const things = ['seashells', 'postcards', 'marbles', 'acorns', 'stickers', 'pebbles'];
  return Array.from({ length: n }, (_, i) => {
    const a = 7 + ((i * 13) % 40);
    const b = 2 + ((i * 7) % 9);
    const who = names[i % names.length];
    const what = things[i % things.length];
    return { id: `gen-${i}`, prompt: `${who} gathers ${a} ${what} on Monday, then finds ${b} times that amount by Friday. Counting every item, what total does ${who} end the week with?`, answer: String(a + a * b) };
  });
}

test('MATH-500 and GSM8K test: lightly edited eval problems are flagged with their eval id, clean generated prompts pass', async () => {
  const math = await rows(MATH500);
  const gsm = await rows(GSM8K);
  const pickedMath = math.filter((r) => r.problem.split(/\s+/).length >= 20).filter((_, i) => i % 10 === 0);
  const pickedGsm = gsm.filter((_, i) => i % 40 === 0);
  const shortMath = math.find((r) => r.problem.trim().split(/\s+/).length < 8)!;
  const dir = await mkdtemp(path.join(tmpdir(), 'decon-conf-'));
  const train = path.join(dir, 'train.jsonl');
  const lines = [
    ...generated(200).map((g) => ({ id: g.id, prompt: g.prompt, answer: g.answer })),
    ...pickedMath.map((r, i) => ({ id: `math-copy-${i}`, prompt: lightlyEdit(r.problem, i), answer: r.answer, of: r.unique_id })),
    ...pickedGsm.map((r, i) => ({ id: `gsm-copy-${i}`, prompt: lightlyEdit(r.question, i), answer: '0', of: String(gsm.indexOf(r) + 1) })),
    { id: 'math-short', prompt: `  ${shortMath.problem.toUpperCase()} `, answer: shortMath.answer, of: shortMath.unique_id },
  ];
  await writeFile(train, lines.map((l) => JSON.stringify({ id: l.id, prompt: l.prompt, answer: l.answer })).join('\n') + '\n');

  const s = decontaminate(jsonl(train), { evals: [MATH500, GSM8K] });
  const kept: string[] = [];
  const flagged = new Map<string, string>();
  for await (const it of s.read() as AsyncIterable<SourceItem>) {
    if (it.kind === 'prompt') kept.push(it.prompt.id);
    else flagged.set(JSON.parse(it.record.raw).id, it.record.reason);
  }
  const expectFlagged = lines.filter((l) => 'of' in l);
  assert.deepEqual(kept, generated(200).map((g) => g.id), 'every clean generated prompt passes, in order');
  assert.equal(flagged.size, expectFlagged.length);
  for (const l of expectFlagged) {
    const file = l.id.startsWith('gsm') ? 'gsm8k_test.jsonl' : 'math500_test.jsonl';
    assert.ok(flagged.get(l.id)?.startsWith(`contaminated: ${file}:${(l as { of: string }).of} (`), `${l.id}: ${flagged.get(l.id)}`);
  }
  assert.deepEqual(s.stats(), { seen: lines.length, kept: 200, dropped: expectFlagged.length });
});

test('MATH-500 near-dedupe: edited copies appended to the set are dropped as near-duplicates of their originals', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'ndd-conf-'));
  const math = await rows(MATH500);
  const long = math.filter((r) => r.problem.split(/\s+/).length >= 40);
  // One word swapped near the end: the kind of copy scraped sets carry.
  const copies = long.slice(0, 40).map((r, i) => ({ id: `copy-${i}`, problem: r.problem.replace(/(\s)(\S+)(\s+\S+\s*)$/, '$1word$3'), of: r.unique_id }));
  const file = path.join(dir, 'math-plus-copies.jsonl');
  await writeFile(file, [...math.map((r) => ({ id: r.unique_id, problem: r.problem, answer: r.answer })), ...copies.map((c) => ({ id: c.id, problem: c.problem, answer: '0' }))].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const s = nearDedupe(jsonl(file), { numPerm: 128 });
  const dropped = new Map<string, { duplicate_of: string; jaccard: number }>();
  for await (const it of s.read()) if (it.kind === 'quarantine') dropped.set(JSON.parse(it.record.raw).id, JSON.parse(it.record.raw));
  const droppedOriginals = [...dropped.keys()].filter((id) => !id.startsWith('copy-'));
  // Brute force over all pairs of originals: the exact shingle Jaccard. An original may only be dropped when it
  // really has an earlier partner near the threshold (MinHash estimates carry ~±0.05 noise at 128 permutations).
  const shingles = math.map((r) => {
    const t = tokenize(r.problem);
    return new Set(t.length < 3 ? [t.join(' ')] : t.slice(0, t.length - 2).map((_, i) => t.slice(i, i + 3).join(' ')));
  });
  const hasNearPartner = new Set<string>();
  for (let i = 0; i < math.length; i++)
    for (let j = 0; j < i; j++) {
      let inter = 0;
      for (const x of shingles[i]) if (shingles[j].has(x)) inter++;
      if (inter / (shingles[i].size + shingles[j].size - inter) >= 0.7) hasNearPartner.add(math[i].unique_id);
    }
  for (const id of droppedOriginals) assert.ok(hasNearPartner.has(id), `${id} dropped without a near partner`);
  // and such drops are rare in a curated test split
  assert.ok(droppedOriginals.length <= 5, `${droppedOriginals.length} originals dropped: ${droppedOriginals.join(', ')}`);
  const caught = copies.filter((c) => dropped.get(c.id)?.duplicate_of === c.of).length;
  assert.ok(caught >= copies.length - 1, `caught ${caught} of ${copies.length} copies`);
  assert.equal(s.stats().dropped, dropped.size);
});
