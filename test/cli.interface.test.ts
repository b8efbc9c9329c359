import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { runCli } from './support/engine-fixture.ts';

/** Run main() in this process with console output captured: the help texts need no child process each. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const COMMANDS = ['run', 'inspect', 'merge', 'serve', 'init', 'judge', 'batch', 'judge math', 'judge code', 'judge format', 'judge readability', 'judge generative', 'batch export', 'batch import'];

test('--help and -h on every command and subcommand print its usage and exit 0; help <command> says the same', async () => {
  for (const command of COMMANDS) {
    const words = command.split(' ');
    const long = await cli([...words, '--help']);
    assert.equal(long.code, 0, `${command} --help: ${long.err}`);
    assert.match(long.out, new RegExp(`^usage: distillery ${command} `), command);
    assert.equal((await cli([...words, '-h'])).out, long.out, `${command} -h`);
    assert.equal((await cli(['help', ...words])).out, long.out, `help ${command}`);
  }
  const top = await cli(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['run', 'inspect', 'judge', 'batch', 'merge', 'serve']) assert.match(top.out, new RegExp(`^  ${c} `, 'm'));
  assert.equal((await cli([])).code, 2, 'no command: usage on stderr, exit 2');
});

test('the judge commands document their input fields in --help', async () => {
  const fields: Record<string, string[]> = { math: ['reference', 'response'], code: ['program', 'tests'], format: ['response'], readability: ['response', 'language'], generative: ['response', 'reference', 'prompt'] };
  for (const [kind, names] of Object.entries(fields)) {
    const { out } = await cli(['judge', kind, '--help']);
    for (const f of names) assert.match(out, new RegExp(`Input: .*"${f}"`, 's'), `judge ${kind}: ${f}`);
  }
});

test('--version prints the package version', async () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = await cli(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.out, pkg.version);
});

test('unknown flags and commands are named with a suggestion and exit 2; no doubled prefixes', async () => {
  const flag = await cli(['run', 'p.ts', '--limt', '3']);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /^distillery run: unknown flag --limt — did you mean --limit\?/);
  const sub = await cli(['judge', 'mth']);
  assert.equal(sub.code, 2);
  assert.match(sub.err, /^distillery judge: unknown command "mth" — did you mean "math"\?/);
  const top = await cli(['rn']);
  assert.equal(top.code, 2);
  assert.match(top.err, /unknown command "rn" — did you mean "run"\?/);
  const jflag = await cli(['judge', 'math', '--inptu', 'x.jsonl']);
  assert.equal(jflag.code, 2);
  assert.match(jflag.err, /^distillery judge math: unknown flag --inptu — did you mean --input\?/);
  const out = await cli(['run', 'p.ts']);
  assert.equal(out.code, 2);
  assert.match(out.err, /^distillery run: --out DIR is required/);
  for (const r of [flag, sub, jflag, out]) assert.doesNotMatch(r.err, /distillery (\w+ )+\w+: (run|judge|math): /, 'no doubled prefix');
});

test('judge: a missing input file is named in plain words; the summary counts pass, fail and error; a missing field is an error in every judge', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-cli-'));
  try {
    const missing = await runCli(['judge', 'math', '--input', path.join(dir, 'missing.jsonl')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^distillery judge math: cannot read --input .*missing\.jsonl: no such file\n/);
    assert.doesNotMatch(missing.stderr, /ENOENT|at /);

    const input = path.join(dir, 'math.jsonl');
    writeFileSync(
      input,
      [
        { id: 'a', reference: '1/2', response: '0.5' },
        { id: 'b', reference: '3', response: '4' },
        { id: 'c', reference: '3' }, // no response: an error, not a fail
        'not json',
      ].map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n',
    );
    const r = await runCli(['judge', 'math', '--input', input]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { verdict: string });
    assert.deepEqual(lines.map((l) => l.verdict), ['pass', 'fail', 'error', 'error']);
    assert.match(r.stderr, /judge math: 4 lines judged: 1 pass, 1 fail, 2 error/);

    // format and readability need only "response": a line without it is an error.
    const noResponse = path.join(dir, 'no-response.jsonl');
    writeFileSync(noResponse, `${JSON.stringify({ id: 'x', text: 'hello' })}\n`);
    for (const kind of ['format', 'readability', 'code']) {
      const k = await runCli(['judge', kind, '--input', noResponse]);
      assert.equal(k.code, 0, `${kind}: ${k.stderr}`);
      assert.equal((JSON.parse(k.stdout.trim()) as { verdict: string }).verdict, 'error', kind);
      assert.match(k.stderr, new RegExp(`judge ${kind}: 1 lines judged: 0 pass, 0 fail, 1 error`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
