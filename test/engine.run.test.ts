import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDigest, duck, runCli, startCli, tempWorkdir, writeGsm8kPrompts, writePipeline, writeRecordings } from './support/engine-fixture.ts';

test('distillery run: replayed samples through the exact-answer judge into Parquet corpora DuckDB reads', async () => {
  const dir = tempWorkdir('e2e');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 30);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 29, 4); // p29 has no recording: error samples, not a crash
  writePipeline(path.join(dir, 'pipe.ts'));
  const out = path.join(dir, 'out');
  const r = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.totals.prompts, 30);
  assert.equal(report.totals.samples, 120);
  assert.equal(report.totals.sampleErrors, 4);
  // sample s of prompt i is right when (i + s) % 3 !== 0 → count them for p0…p28
  let right = 0;
  for (let i = 0; i < 29; i++) for (let s = 0; s < 4; s++) if ((i + s) % 3 !== 0) right++;
  assert.equal(report.totals.accepted, right);
  assert.equal(report.topReasons.exact.fail, 29 * 4 - right);
  assert.equal(report.topReasons.backend.error, 4);

  const counts = await duck<{ c: string; n: number }>(
    `SELECT 'sft' c, count(*)::INT n FROM read_parquet('${out}/sft/*.parquet') UNION ALL SELECT 'samples', count(*)::INT FROM read_parquet('${out}/samples/*.parquet') UNION ALL SELECT 'distill', count(*)::INT FROM read_parquet('${out}/distill/*.parquet')`,
  );
  assert.deepEqual(Object.fromEntries(counts.map((x) => [x.c, x.n])), { sft: 29, samples: 120, distill: 29 });
  const [sft] = await duck<{ user: string; assistant: string; domain: string }>(`SELECT messages[1].content AS user, messages[2].content AS assistant, domain FROM read_parquet('${out}/sft/*.parquet') WHERE prompt_id = 'p4'`);
  assert.equal(sft.user, 'What is 4 + 7?');
  assert.match(sft.assistant, /^<think>\nWe add 4 and 7[\s\S]*<\/think>\n\nThe answer is \\boxed\{11\}\.$/);
  assert.equal(sft.domain, 'math');
  const [miss] = await duck<{ error: string; v: string }>(`SELECT error, verdicts[1].verdict AS v FROM read_parquet('${out}/samples/*.parquet') WHERE prompt_id = 'p29' AND sample_index = 0`);
  assert.match(miss.error, /no recording for prompt "p29" sample 0/);
  assert.equal(miss.v, 'error');
  const [d] = await duck<{ reference: string; solution_kept: boolean }>(`SELECT reference, answer FROM read_parquet('${out}/distill/*.parquet') WHERE prompt_id = 'p4'`);
  assert.equal(d.reference, '11'); // GSM8K "#### 11" extracted
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.ok(JSON.stringify(manifest).includes('"accepted"'), 'the report is in the manifest');

  // Running the finished build again does nothing new and keeps the rows.
  const before = await corpusDigest(out, 'samples', 'key');
  const again = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', out, '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).run.prompts, 0);
  assert.deepEqual(await corpusDigest(out, 'samples', 'key'), before);
});

test('a bad-input file: every kind of bad row is quarantined with its reason, good rows go through', async () => {
  const dir = tempWorkdir('bad');
  const good = (i: number) => JSON.stringify({ id: `p${i}`, question: `What is ${i} + 7?`, answer: `#### ${i + 7}` });
  const lines: (string | Buffer)[] = [
    good(0),
    '{"id": "x1", "question": "unterminated',
    JSON.stringify({ id: 'x2', text: 'no prompt column here' }),
    JSON.stringify({ id: 'x3', question: 42, answer: '#### 1' }),
    Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x73, 0x74, 0x69, 0x6f, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"question":"\xff\xfe"}
    '',
    JSON.stringify({ id: 'x5', question: '   ', answer: '#### 1' }),
    JSON.stringify({ id: 'x6', question: 'long '.repeat(400), answer: '#### 1' }),
    good(1),
    JSON.stringify({ id: 'p0', question: 'A different question reusing id p0', answer: '#### 3' }),
    JSON.stringify({ id: 'dup', question: '  WHAT is 1 +   7? ', answer: '#### 8' }),
    good(2),
  ];
  writeFileSync(path.join(dir, 'prompts.jsonl'), Buffer.concat(lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')])));
  writeRecordings(path.join(dir, 'recordings.jsonl'), 3, 2);
  writePipeline(path.join(dir, 'pipe.ts'), { k: 2, extra: 'maxPromptBytes: 1000,' });
  const out = path.join(dir, 'out');
  const r = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.totals.prompts, 3);
  assert.equal(report.totals.duplicates, 1);
  assert.deepEqual(report.totals.quarantine, { 'invalid-json': 1, 'missing-field': 1, 'wrong-type': 1, 'invalid-utf8': 1, empty: 1, 'empty-prompt': 1, 'too-large': 1, 'duplicate-id': 1 });

  const qdir = path.join(out, 'quarantine');
  const records = readdirSync(qdir).flatMap((f) => readFileSync(path.join(qdir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));
  const byLine = Object.fromEntries(records.map((q) => [q.line, q.reason.split(':')[0]]));
  assert.deepEqual(byLine, { 2: 'invalid-json', 3: 'missing-field', 4: 'wrong-type', 5: 'invalid-utf8', 6: 'empty', 7: 'empty-prompt', 8: 'too-large', 10: 'duplicate-id' });
  assert.ok(records.every((q) => q.file.endsWith('prompts.jsonl')));
  const ids = await duck<{ prompt_id: string }>(`SELECT DISTINCT prompt_id FROM read_parquet('${out}/samples/*.parquet') ORDER BY 1`);
  assert.deepEqual(ids.map((x) => x.prompt_id), ['p0', 'p1', 'p2']);
});

test('a config error exits non-zero before any work and names the failing path', async () => {
  const dir = tempWorkdir('cfg');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 3);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 3, 2);
  writePipeline(path.join(dir, 'bad-k.ts'), { k: 0 });
  const out = path.join(dir, 'out');
  const r = await runCli(['run', path.join(dir, 'bad-k.ts'), '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad-k\.ts: pipeline config: generation\.k:/);
  assert.equal(existsSync(out), false, 'no output directory was created');

  writePipeline(path.join(dir, 'missing.ts'), { prompts: 'nope.jsonl' });
  const m = await runCli(['run', path.join(dir, 'missing.ts'), '--out', out]);
  assert.equal(m.code, 1);
  assert.match(m.stderr, /missing\.ts: jsonl source: .*nope\.jsonl: file not found/);
  assert.equal(existsSync(out), false);

  const u = await runCli(['run', path.join(dir, 'missing.ts')]);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /--out DIR is required/);
});

test('a different config on an existing build directory is refused', async () => {
  const dir = tempWorkdir('refuse');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 4);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 4, 2);
  writePipeline(path.join(dir, 'a.ts'), { k: 2 });
  writePipeline(path.join(dir, 'b.ts'), { k: 3 });
  const out = path.join(dir, 'out');
  assert.equal((await runCli(['run', path.join(dir, 'a.ts'), '--out', out])).code, 0);
  const before = await corpusDigest(out, 'samples', 'key');
  const r = await runCli(['run', path.join(dir, 'b.ts'), '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /config/i);
  assert.deepEqual(await corpusDigest(out, 'samples', 'key'), before, 'the refused run wrote nothing');
});

test('--shard I/N partitions are disjoint and cover every prompt of the unsharded build', async () => {
  const dir = tempWorkdir('shard');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 40);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 40, 2);
  writePipeline(path.join(dir, 'pipe.ts'), { k: 2 });
  const ids = async (out: string) => (await duck<{ id: string }>(`SELECT DISTINCT prompt_id AS id FROM read_parquet('${out}/samples/*.parquet')`)).map((x) => x.id);
  assert.equal((await runCli(['run', path.join(dir, 'pipe.ts'), '--out', path.join(dir, 'all')])).code, 0);
  const all = (await ids(path.join(dir, 'all'))).sort();
  const parts: string[][] = [];
  for (let i = 0; i < 3; i++) {
    const r = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', path.join(dir, `s${i}`), '--shard', `${i}/3`]);
    assert.equal(r.code, 0, r.stderr);
    parts.push(await ids(path.join(dir, `s${i}`)));
  }
  const union = parts.flat().sort();
  assert.equal(new Set(union).size, union.length, 'no prompt in two shards');
  assert.deepEqual(union, all);
  assert.ok(parts.every((p) => p.length > 0));
});

test('Ctrl-C commits what is done and exits 130; the same command then resumes to the full build', async () => {
  const dir = tempWorkdir('sigint');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 120);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 120, 2);
  writePipeline(path.join(dir, 'pipe.ts'), { k: 2, batchSize: 2, concurrency: 1, delayMs: 30 });
  const out = path.join(dir, 'out');
  const { child, done } = startCli(['run', path.join(dir, 'pipe.ts'), '--out', out, '--json'], { env: { DISTILLERY_LOG_SECONDS: '0' } });
  // Interrupt once the run has made progress (a JSON progress line on stderr).
  await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => d.toString().includes('"progress"') && resolve()));
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.interrupted, true);
  assert.ok(report.totals.prompts > 0 && report.totals.prompts < 120, `stopped mid-way (${report.totals.prompts} prompts)`);
  const [{ n }] = await duck<{ n: number }>(`SELECT count(DISTINCT prompt_id)::INT n FROM read_parquet('${out}/samples/*.parquet')`);
  assert.equal(n, report.totals.prompts, 'everything the report counts is committed');

  const resumed = await runCli(['run', path.join(dir, 'pipe.ts'), '--out', out, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const final = JSON.parse(resumed.stdout);
  assert.equal(final.totals.prompts, 120);
  assert.equal(final.run.prompts, 120 - report.totals.prompts);
  const [{ n_rows, keys }] = await duck<{ n_rows: number; keys: number }>(`SELECT count(*)::INT n_rows, count(DISTINCT key)::INT keys FROM read_parquet('${out}/samples/*.parquet')`);
  assert.equal(n_rows, 2 * 120);
  assert.equal(keys, 2 * 120);
});
