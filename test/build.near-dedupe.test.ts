import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Prompt } from '../schemas/prompt.ts';
import type { Source, SourceItem } from '../src/sources/source.ts';
import { MinHashLsh, candidateProbability, optimalBands, shingleHashes, tokenize } from '../src/sources/minhash-lsh.ts';
import { nearDedupe } from '../src/sources/near-dedupe.ts';
import { exactAnswerJudge } from '../src/judges/exact-answer.ts';
import { replay } from '../src/models/replay/index.ts';
import { definePipeline } from '../src/pipeline/define.ts';
import { runPipeline, type Progress } from '../src/pipeline/engine.ts';
import { progressJson, progressLine } from '../src/pipeline/progress.ts';
import { keepAccepted } from '../src/select/keep-accepted.ts';
import { jsonl } from '../src/sources/jsonl.ts';
import { tempWorkdir, writeGsm8kPrompts, writeRecordings } from './support/engine-fixture.ts';

function memorySource(name: string, items: (SourceItem | [string, string])[]): Source {
  return {
    name,
    describe: () => ({ kind: 'memory', name }),
    digest: async () => `digest-${name}`,
    async *read() {
      for (const it of items) {
        yield Array.isArray(it) ? { kind: 'prompt', prompt: Prompt.parse({ id: it[0], messages: [{ role: 'user', content: it[1] }], source: name }) } : it;
      }
    },
  };
}

async function collect(s: Source): Promise<SourceItem[]> {
  const out: SourceItem[] = [];
  for await (const it of s.read()) out.push(it);
  return out;
}

const LONG = 'A rectangular garden is 12 meters long and 8 meters wide. A path of uniform width is built around the garden, and the total area of the garden and the path together is 180 square meters. What is the width of the path in meters?';

test('tokens keep symbols apart, so 2+3 and 2*3 are different texts', () => {
  assert.deepEqual(tokenize('What is 2+3?'), ['what', 'is', '2', '+', '3', '?']);
  const idx = new MinHashLsh();
  assert.equal(idx.checkAndAdd('a', 'What is 2+3?'), null);
  assert.equal(idx.checkAndAdd('b', 'What is 2*3?'), null);
  assert.equal(idx.size, 2);
});

test('exact and lightly edited copies are near-duplicates of the first; unrelated texts are not', () => {
  const idx = new MinHashLsh();
  assert.equal(idx.checkAndAdd('orig', LONG), null);
  const exact = idx.checkAndAdd('copy', LONG.toUpperCase());
  assert.deepEqual(exact, { duplicateOf: 'orig', jaccard: 1 });
  const edited = idx.checkAndAdd('edit', LONG.replace('uniform', 'constant'));
  assert.equal(edited?.duplicateOf, 'orig');
  assert.ok(edited!.jaccard >= 0.8 && edited!.jaccard < 1, `jaccard ${edited!.jaccard}`);
  assert.equal(idx.checkAndAdd('other', 'Find all real numbers x such that x squared minus five x plus six equals zero, and give their sum.'), null);
  assert.equal(idx.size, 2);
});

test('the signature estimate tracks the true Jaccard of the shingle sets', () => {
  const words = Array.from({ length: 200 }, (_, i) => `w${i}`);
  const idx = new MinHashLsh({ numPerm: 256, shingleSize: 1 });
  for (const overlap of [50, 100, 150]) {
    // A = w0..w149, B = w(150-overlap)..w199: they share `overlap` words
    const a = words.slice(0, 150).join(' ');
    const b = words.slice(150 - overlap, 200).join(' ');
    const sa = new Set(tokenize(a));
    const sb = new Set(tokenize(b));
    const inter = [...sa].filter((x) => sb.has(x)).length;
    const truth = inter / (sa.size + sb.size - inter);
    const est = MinHashLsh.estimate(idx.signature(a), idx.signature(b));
    assert.ok(Math.abs(est - truth) < 0.12, `overlap ${overlap}: estimate ${est} vs true ${truth}`);
  }
});

test('seeded and deterministic: two indexes with one seed agree value for value; another seed differs', () => {
  const a = new MinHashLsh({ seed: 7 }).signature(LONG);
  const b = new MinHashLsh({ seed: 7 }).signature(LONG);
  const c = new MinHashLsh({ seed: 8 }).signature(LONG);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(shingleHashes('', 3).length, 0);
  assert.equal(shingleHashes('one two', 3).length, 1);
});

test('LSH parameters follow the threshold', () => {
  for (const [t, n] of [[0.5, 64], [0.8, 64], [0.9, 128]] as const) {
    const { bands, rows } = optimalBands(t, n);
    assert.ok(bands * rows <= n);
    // the S-curve rises through the threshold
    assert.ok(candidateProbability(t - 0.25, bands, rows) < 0.5 && candidateProbability(Math.min(1, t + 0.1), bands, rows) > 0.5, `${t}/${n}: b=${bands} r=${rows}`);
  }
  assert.throws(() => new MinHashLsh({ threshold: 0 }), /threshold/);
  assert.throws(() => new MinHashLsh({ bands: 40, rows: 4, numPerm: 64 }), /exceeds numPerm/);
});

test('the index keeps finding duplicates after its table grows', () => {
  const idx = new MinHashLsh();
  const text = (i: number) => `Problem ${i}: a train leaves station ${i} at ${i % 12} o'clock travelling ${i * 3} miles per hour towards city ${i * 7}; when does it arrive if the distance is ${i * 11} miles?`;
  for (let i = 0; i < 1500; i++) assert.equal(idx.checkAndAdd(`p${i}`, text(i)), null, `p${i} wrongly a duplicate`);
  for (const i of [0, 777, 1499]) assert.equal(idx.checkAndAdd(`again${i}`, text(i))?.duplicateOf, `p${i}`);
  assert.equal(idx.size, 1500);
  assert.ok(idx.bytes > 1500 * 64 * 2);
});

test('nearDedupe as a Source: drops later near-duplicates across sources as counted quarantine items, passes the rest through', async () => {
  const bad: SourceItem = { kind: 'quarantine', record: { file: 'a.jsonl', line: 3, reason: 'invalid', raw: '{' } };
  const s = nearDedupe([
    memorySource('a', [['a1', LONG], bad, ['a2', 'Compute the sum of the first one hundred positive integers and explain the method you use.']]),
    memorySource('b', [['b1', LONG.replace('12 meters', '12 metres')], ['b2', 'Name three prime numbers larger than fifty and show why each one is prime.']]),
  ]);
  const items = await collect(s);
  assert.deepEqual(items.map((i) => (i.kind === 'prompt' ? i.prompt.id : `Q:${i.record.reason}`)), [
    'a1', 'Q:invalid', 'a2', `Q:${(items[3] as { record: { reason: string } }).record.reason}`, 'b2',
  ]);
  const q = items[3] as Extract<SourceItem, { kind: 'quarantine' }>;
  assert.match(q.record.reason, /^near-duplicate: of a1 \(estimated Jaccard 0\.\d\d\)$/);
  assert.equal(q.record.file, 'near-dedupe:b'); // the memory source gives no origin: stage and source
  assert.equal(q.record.line, 3); // third prompt this stage saw
  const raw = JSON.parse(q.record.raw);
  assert.equal(raw.id, 'b1');
  assert.equal(raw.duplicate_of, 'a1');
  assert.ok(raw.jaccard >= 0.8);
  assert.deepEqual(s.stats(), { seen: 4, kept: 3, dropped: 1 });
  // a second read starts from an empty index and gives the same answer
  assert.deepEqual(await collect(s), items);
  assert.equal(s.name, 'a+b');
  assert.equal(s.describe().stage, 'near-dedupe');
  assert.notEqual(await s.digest(), 'digest-a');
});

test('a templated prompt set: full buckets bound the work per check and keep nearly every duplicate', () => {
  // 4,000 prompts from one template differ only in numbers and nouns, so a few bands made of template shingles hold
  // most of them; every 10th prompt repeats an earlier one with one number changed (a near-duplicate).
  const nouns = ['apples', 'marbles', 'coins', 'books'];
  const texts: string[] = [];
  for (let i = 0; i < 4000; i++) {
    if (i % 10 === 9) {
      const j = i - 1 - ((i * 7) % 8);
      texts.push(texts[j].replace(/sit on top/, 'sit on the top'));
      continue;
    }
    const n = nouns[i % 4];
    texts.push(`Problem ${i}: A crate holds ${10 + (i % 97)} ${n} per layer and has ${3 + ((i * 7) % 89)} layers; ${2 + ((i * 13) % 31)} loose ${n} sit on top. How many ${n} are there in all, given the crate is full and every layer holds the same number?`);
  }
  const run = (maxBucketSize: number) => {
    const idx = new MinHashLsh({ maxBucketSize });
    const dups = new Map<number, string>();
    texts.forEach((t, i) => {
      const d = idx.checkAndAdd(`p${i}`, t);
      if (d) dups.set(i, d.duplicateOf);
    });
    return { idx, dups };
  };
  const exact = run(Infinity);
  const capped = run(16);
  const { bands } = capped.idx.options;
  assert.ok(capped.idx.bucketOverflows > 0, 'the cap was reached');
  assert.ok(capped.idx.comparisons <= texts.length * bands * 16, `comparisons ${capped.idx.comparisons}`);
  assert.ok(exact.idx.comparisons > 2 * capped.idx.comparisons, `uncapped ${exact.idx.comparisons} vs capped ${capped.idx.comparisons}`);
  // ≥ 95 % of the exact index's duplicates are found (a missed one is then indexed and may, rightly, flag a later
  // prompt the exact index attributes elsewhere, so the sets need not nest).
  assert.ok(exact.dups.size >= 390, `exact index found ${exact.dups.size}`);
  const both = [...capped.dups.keys()].filter((i) => exact.dups.has(i)).length;
  assert.ok(both >= 0.95 * exact.dups.size, `capped found ${both} of the exact index's ${exact.dups.size}`);
});

test('maxBucketSize must be a positive integer or Infinity', () => {
  assert.throws(() => new MinHashLsh({ maxBucketSize: 0 }), /maxBucketSize/);
  assert.throws(() => new MinHashLsh({ maxBucketSize: 2.5 }), /maxBucketSize/);
  assert.equal(new MinHashLsh({ maxBucketSize: Infinity }).options.maxBucketSize, Infinity);
});

test('two passes: the inputs are read once to decide and once to stream, with the drops of a one-pass read', async () => {
  let reads = 0;
  const prompts: [string, string][] = [['p1', LONG], ['p2', 'Compute the sum of the first one hundred positive integers.'], ['p3', LONG.replace('uniform', 'constant')], ['p4', LONG]];
  const counting: Source = { ...memorySource('c', prompts), read() { reads++; return memorySource('c', prompts).read(); } };
  const s = nearDedupe(counting);
  const items = await collect(s);
  assert.equal(reads, 2, 'one read to decide, one to stream');
  assert.deepEqual(items.map((i) => (i.kind === 'prompt' ? i.prompt.id : `Q:${i.record.line}:${JSON.parse(i.record.raw).duplicate_of}`)), ['p1', 'p2', 'Q:3:p1', 'Q:4:p1']);
  // the same decisions a single streaming pass over the index makes
  const idx = new MinHashLsh();
  assert.deepEqual(prompts.map(([id, t]) => idx.checkAndAdd(id, t)?.duplicateOf ?? null), [null, null, 'p1', 'p1']);
  assert.deepEqual(s.stats(), { seen: 4, kept: 2, dropped: 2 });
});

test('two passes: an input that reads differently the second time fails the read with the position and id', async () => {
  let reads = 0;
  const changing: Source = {
    ...memorySource('x', []),
    read() {
      reads++;
      return memorySource('x', reads === 1 ? [['a', LONG], ['b', 'Name three prime numbers larger than fifty.']] : [['a', LONG], ['z', 'Name three prime numbers larger than fifty.']]).read();
    },
  };
  await assert.rejects(collect(nearDedupe(changing)), /near-dedupe: prompt 2 \("z"\) is not the prompt the first pass read.*input changed/);
});

test('the index worker and the in-thread index drop the same prompts for the same reasons, across several batches', async () => {
  const nouns = ['apples', 'marbles', 'coins', 'books'];
  const prompts: [string, string][] = [];
  for (let i = 0; i < 3000; i++) {
    const text = `Problem ${i}: A crate holds ${10 + (i % 97)} ${nouns[i % 4]} per layer and has ${3 + ((i * 7) % 89)} layers; ${2 + ((i * 13) % 31)} loose ones sit on top. How many are there?`;
    prompts.push([`p${i}`, i % 10 === 9 ? prompts[i - 5][1].replace('sit on top', 'sit on the top') : text]);
  }
  const reasons = async (worker: boolean) => (await collect(nearDedupe(memorySource('t', prompts), { worker }))).map((it) => (it.kind === 'prompt' ? it.prompt.id : `${it.record.line} ${it.record.reason}`));
  const inWorker = await reasons(true);
  const inThread = await reasons(false);
  assert.deepEqual(inWorker, inThread);
  assert.ok(inWorker.filter((r) => r.includes('near-duplicate')).length >= 250, 'most planted copies found');
  // the option does not change the pipeline config (same decisions)
  assert.deepEqual(nearDedupe(memorySource('t', []), { worker: false }).describe(), nearDedupe(memorySource('t', []), {}).describe());
});

test('two passes: a build stopped during the first pass stops at once, gives nothing and ends the index worker', async () => {
  const stop = new AbortController();
  let yielded = 0;
  const prompts: [string, string][] = Array.from({ length: 5000 }, (_, i) => [`p${i}`, `Question ${i}: name ${i} distinct things about the number ${i * 7}.`]);
  const stopping: Source = {
    ...memorySource('s', []),
    async *read() {
      for await (const it of memorySource('s', prompts).read()) {
        if (++yielded === 1500) stop.abort();
        yield it;
      }
    },
  };
  const items: SourceItem[] = [];
  for await (const it of nearDedupe(stopping).read({ signal: stop.signal })) items.push(it);
  assert.deepEqual(items, []);
  assert.ok(yielded <= 1501, `the first pass read on to ${yielded} prompts after the stop`);
});

test('first-pass progress: the read reports every 10,000 prompts and at its end; a build shows it before its first sample', async () => {
  const prompts: [string, string][] = Array.from({ length: 25_000 }, (_, i) => [`p${i}`, `Question ${i}: how many ways are there to pick ${i % 97} items from ${i}?`]);
  const reports: [string, number][] = [];
  for await (const _ of nearDedupe(memorySource('m', prompts), { worker: false }).read({ onFirstPass: (stage, n) => reports.push([stage, n]) })) void _;
  assert.deepEqual(reports, [['near-dedupe', 10_000], ['near-dedupe', 20_000], ['near-dedupe', 25_000]]);
  assert.equal(progressLine({ prompts: 0, samples: 0, accepted: 0, quarantined: 0, duplicates: 0, commits: 0, runPrompts: 0, runSamples: 0, runSeconds: 3, totalPrompts: 25_000, firstPass: { stage: 'near-dedupe', promptsRead: 20_000 } }), 'near-dedupe: first pass, 20000/25000 prompts read');

  const dir = tempWorkdir('first-pass');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 12);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 12, 2);
  const events: Progress[] = [];
  await runPipeline(
    definePipeline({
      name: 'first-pass', sources: [nearDedupe(jsonl(path.join(dir, 'prompts.jsonl')))], backend: replay({ file: path.join(dir, 'recordings.jsonl') }),
      generation: { k: 2 }, judges: [exactAnswerJudge()], selection: keepAccepted(),
    }),
    { out: path.join(dir, 'out'), onProgress: (p) => events.push(p) },
  );
  const first = events.findIndex((e) => e.firstPass);
  assert.ok(first >= 0, 'a first-pass event');
  assert.deepEqual(events[first].firstPass, { stage: 'near-dedupe', promptsRead: 12 });
  assert.equal(events[first].prompts, 0, 'before any prompt is sampled');
  assert.ok(events.at(-1)!.prompts === 12 && !events.at(-1)!.firstPass);
  assert.equal(JSON.parse(progressJson(events[first])).firstPass.promptsRead, 12);
});
