import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { admit, type Unit } from '../src/pipeline/admit.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { inShard } from '../src/sources/shard.ts';
import { tempWorkdir, writeGsm8kPrompts } from './support/engine-fixture.ts';

const row = (id: string, q: string, domain?: string) => JSON.stringify({ id, question: q, answer: `#### 1`, ...(domain ? { domain } : {}) });

/** p0 … p5, with a bad line, an exact duplicate of p1's text and a reused id with other text among them. */
function inputs(t: { after(fn: () => void): void }) {
  const dir = tempWorkdir('admit');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'prompts.jsonl');
  const lines = [row('p0', 'What is 0?'), row('p1', 'What is 1?'), '{ not json', row('p1b', '  what IS 1? '), row('p2', 'What is 2?'), row('p1', 'Another text'), row('p3', 'What is 3?'), row('p4', 'What is 4?'), row('p5', 'What is 5?')];
  writeFileSync(file, lines.join('\n') + '\n');
  return jsonl(file);
}

const collect = async (it: AsyncIterable<Unit>) => {
  const out: string[] = [];
  for await (const u of it) out.push(`${u.ordinal}:${u.kind}${u.kind === 'prompt' ? `:${u.prompt.id}` : u.kind === 'quarantine' ? `:${u.record.reason.split(':')[0]}` : ''}`);
  return out;
};

test('admit: items numbered in reading order; bad rows quarantined, exact duplicates told, a reused id quarantined', async (t) => {
  const units = await collect(admit([inputs(t)], { dedupe: true, maxPromptBytes: 1 << 20 }));
  assert.deepEqual(units, ['0:prompt:p0', '1:prompt:p1', '2:quarantine:invalid-json', '3:duplicate', '4:prompt:p2', '5:quarantine:duplicate-id', '6:prompt:p3', '7:prompt:p4', '8:prompt:p5']);
  const noDedupe = await collect(admit([inputs(t)], { dedupe: false, maxPromptBytes: 1 << 20 }));
  assert.ok(noDedupe.includes('3:prompt:p1b'), 'without dedupe the same text is a prompt');
});

test('admit: limit counts prompts in scope from the start; done ids, done quarantine and quota skip; resumeFrom hides committed skips', async (t) => {
  const source = inputs(t);
  let bad = '';
  for await (const u of admit([source], { dedupe: true, maxPromptBytes: 1 << 20 })) if (u.kind === 'quarantine' && bad === '') bad = `${u.record.file}:${u.record.line}`;
  assert.deepEqual(await collect(admit([source], { dedupe: true, maxPromptBytes: 1 << 20, limit: 3 })), ['0:prompt:p0', '1:prompt:p1', '2:quarantine:invalid-json', '3:duplicate', '4:prompt:p2', '5:quarantine:duplicate-id']);
  const seen: string[] = [];
  const resumed = await collect(
    admit([source], {
      dedupe: true,
      maxPromptBytes: 1 << 20,
      done: { promptIds: new Set(['p0', 'p2']), quarantine: new Set([bad]) },
      resumeFrom: 5,
      quotaMet: (domain) => domain === 'general',
      onDone: (id) => seen.push(id),
    }),
  );
  // The duplicate at 3 is before resumeFrom (already counted); quota skips from 5 on are told.
  assert.deepEqual(resumed, ['5:quarantine:duplicate-id', '6:quota', '7:quota', '8:quota']);
  assert.deepEqual(seen, ['p0', 'p2']);
});

test('admit: shards are disjoint and cover the prompts; dedupe runs before the shard filter', async (t) => {
  const dir = tempWorkdir('admit-shard');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeGsm8kPrompts(path.join(dir, 'p.jsonl'), 40);
  const source = jsonl(path.join(dir, 'p.jsonl'));
  const ids = async (index: number) => (await collect(admit([source], { dedupe: true, maxPromptBytes: 1 << 20, shard: { index, count: 3 } }))).map((u) => u.split(':')[2]);
  const shards = [await ids(0), await ids(1), await ids(2)];
  assert.equal(shards.flat().length, 40);
  assert.equal(new Set(shards.flat()).size, 40);
  shards.forEach((s, i) => assert.ok(s.every((id) => inShard(id, { index: i, count: 3 }))));
});

test('admit: an aborted signal ends the read', async (t) => {
  const ac = new AbortController();
  const out: Unit[] = [];
  for await (const u of admit([inputs(t)], { dedupe: true, maxPromptBytes: 1 << 20, signal: ac.signal })) {
    out.push(u);
    if (out.length === 2) ac.abort();
  }
  assert.equal(out.length, 2);
});
