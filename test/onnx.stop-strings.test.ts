// Incremental detokenizing and stop strings (src/models/onnx/stop-strings.ts) with the bundled model's tokenizer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ChatTokenizer } from '../src/models/onnx/chat-tokenizer.ts';
import { BUNDLED_MODEL } from '../src/models/onnx/index.ts';
import { firstStop, IncrementalText, StopMatcher } from '../src/models/onnx/stop-strings.ts';

const tokenizer = ChatTokenizer.load(BUNDLED_MODEL);
const golden: { rows: { greedy_ids: number[]; text: string }[] } = JSON.parse(readFileSync(path.join(BUNDLED_MODEL, 'golden.json'), 'utf8'));

test('text decoded one token at a time equals the whole row decoded once, decoding a few ids a step', () => {
  for (const row of golden.rows) {
    let longest = 0;
    const text = new IncrementalText((ids) => {
      longest = Math.max(longest, ids.length);
      return tokenizer.decode(ids);
    });
    const ids: number[] = [];
    for (const id of row.greedy_ids) {
      ids.push(id);
      text.update(ids);
    }
    assert.equal(text.text, tokenizer.decode(row.greedy_ids));
    assert.equal(text.text, row.text);
    assert.ok(longest <= 3, `each step decodes the last ids only (at most ${longest})`);
  }
});

test('a stop string is found when it is completed, also across token boundaries, earliest first', () => {
  const m = new StopMatcher(['</think>', 'ab']);
  let text = '';
  const feed = (delta: string) => m.check((text += delta), delta.length);
  assert.equal(feed('x</th'), null);
  assert.equal(feed('in'), null);
  assert.deepEqual(feed('k> and ab'), { at: 1, stop: '</think>' });
  assert.deepEqual(firstStop('..ab..</think>', ['</think>', 'ab']), { at: 2, stop: 'ab' });
  assert.equal(new StopMatcher([]).check('anything', 8), null);
});
