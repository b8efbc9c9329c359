import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { HashSet64 } from '../src/collections/hash-set64.ts';
import { ExactDedupe } from '../src/sources/exact-dedupe.ts';
import { Prompt } from '../schemas/prompt.ts';
import { PromptIdSet } from '../src/collections/prompt-id-set.ts';

test('HashSet64 keeps every distinct key through growth and refuses repeats', () => {
  const set = new HashSet64();
  const digest = (i: number) => createHash('sha256').update(`k${i}`).digest();
  for (let i = 0; i < 50_000; i++) assert.equal(set.add(digest(i)), true);
  assert.equal(set.size, 50_000);
  for (let i = 0; i < 50_000; i += 97) assert.equal(set.add(digest(i)), false);
  assert.equal(set.size, 50_000);
  // The all-zero key (the empty-slot marker) is still a key.
  assert.equal(set.add(new Uint8Array(8)), true);
  assert.equal(set.add(new Uint8Array(8)), false);
  assert.ok(set.bytes <= 50_001 * 2 * 8 * 2, `bytes ${set.bytes}`);
});

test('ExactDedupe: same normalised text is a duplicate, a reused id with new text is duplicate-id', () => {
  const d = new ExactDedupe(true);
  const p = (id: string, text: string) => Prompt.parse({ id, messages: [{ role: 'user', content: text }], source: 'test' });
  assert.equal(d.check(p('a', 'What is 2+2?')), 'new');
  assert.equal(d.check(p('b', '  what IS   2+2? ')), 'duplicate');
  assert.equal(d.check(p('a', 'What is 3+3?')), 'duplicate-id');
  assert.equal(d.check(p('c', 'What is 3+3?')), 'duplicate');
  assert.equal(d.check(p('d', 'What is 4+4?')), 'new');
  const byId = new ExactDedupe(false);
  assert.equal(byId.check(p('a', 'x')), 'new');
  assert.equal(byId.check(p('b', 'x')), 'new');
  assert.equal(byId.check(p('a', 'y')), 'duplicate-id');
});

test('PromptIdSet (a resumed build\'s done ids): has every id added, through growth, and none other', () => {
  const done = new PromptIdSet();
  for (let i = 0; i < 50_000; i++) done.add(`q${i}`);
  done.add('q7'); // again: still one
  assert.equal(done.size, 50_000);
  for (let i = 0; i < 50_000; i++) assert.ok(done.has(`q${i}`), `q${i}`);
  for (let i = 50_000; i < 100_000; i++) assert.ok(!done.has(`q${i}`), `q${i}`);
  assert.ok(!done.has(''));
});
