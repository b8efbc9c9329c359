import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPipeline } from '../src/index.ts';
import { loadedParameters } from '../src/config/parameters.ts';
import { repoRoot, runCli, tempWorkdir, writeGsm8kPrompts, writeRecordings } from './support/engine-fixture.ts';

const index = pathToFileURL(path.join(repoRoot, 'src/index.ts')).href;

/** A pipeline with declared parameters: k, the prompt file, a list, a choice. */
function writeParameterPipeline(file: string): void {
  writeFileSync(
    file,
    `import { defineParameters, definePipeline, exactAnswerJudge, jsonl, keepAccepted, replay, z } from '${index}';
const params = defineParameters({
  k: z.number().int().min(1).default(2).describe('samples per prompt'),
  prompts: z.string().default('prompts.jsonl').describe('the prompt file'),
  tags: z.array(z.string()).default([]).describe('free tags'),
  prefer: z.enum(['first', 'shortest']).default('first').describe('which accepted sample to keep'),
}, { env: { k: 'PARAM_TEST_K' } });
export default definePipeline({
  name: 'params',
  sources: [jsonl(new URL(params.prompts, import.meta.url), { domain: 'math' })],
  backend: replay({ file: new URL('./recordings.jsonl', import.meta.url) }),
  generation: { k: params.k },
  judges: [exactAnswerJudge()],
  selection: keepAccepted({ prefer: params.prefer }),
});
`,
  );
}

test('declared parameters: defaults, --set values typed by the schema, an environment fallback, errors with suggestions', async () => {
  const dir = tempWorkdir('params');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 3);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 3, 3);
  const file = path.join(dir, 'pipe.ts');
  writeParameterPipeline(file);

  const defaults = await loadPipeline(file);
  assert.deepEqual(defaults.parameters, { k: 2, prompts: 'prompts.jsonl', tags: [], prefer: 'first' });
  assert.equal(defaults.generation.k, 2);
  assert.deepEqual(loadedParameters().help.map((p) => [p.name, p.type, p.default, p.description]), [
    ['k', 'number', 2, 'samples per prompt'],
    ['prompts', 'string', 'prompts.jsonl', 'the prompt file'],
    ['tags', 'strings', [], 'free tags'],
    ['prefer', 'first|shortest', 'first', 'which accepted sample to keep'],
  ]);

  // Module caching: each load below is a fresh copy of the file.
  const copy = (n: number) => {
    const f = path.join(dir, `pipe${n}.ts`);
    writeParameterPipeline(f);
    return f;
  };
  const set = await loadPipeline(copy(1), { parameters: { k: '3', tags: 'a,b', prefer: 'shortest' } });
  assert.deepEqual(set.parameters, { k: 3, prompts: 'prompts.jsonl', tags: ['a', 'b'], prefer: 'shortest' });
  assert.equal(set.generation.k, 3);

  process.env.PARAM_TEST_K = '4';
  try {
    assert.equal((await loadPipeline(copy(2))).generation.k, 4, 'the environment fallback');
    assert.equal((await loadPipeline(copy(3), { parameters: { k: '1' } })).generation.k, 1, '--set wins over the environment');
  } finally {
    delete process.env.PARAM_TEST_K;
  }
  await assert.rejects(loadPipeline(copy(4), { parameters: { kk: '3' } }), /pipe4\.ts: --set kk: unknown parameter — did you mean k\?/);
  await assert.rejects(loadPipeline(copy(5), { parameters: { prefer: 'shortst' } }), /parameter prefer: "shortst" is not one of first \| shortest — did you mean shortest\?/);
  await assert.rejects(loadPipeline(copy(6), { parameters: { k: 'many' } }), /parameter k: /);
});

test('distillery run --set: the build runs with the values and its manifest records them; run pipe.ts --help lists them', async () => {
  const dir = tempWorkdir('params-cli');
  writeGsm8kPrompts(path.join(dir, 'prompts.jsonl'), 3);
  writeRecordings(path.join(dir, 'recordings.jsonl'), 3, 3);
  const file = path.join(dir, 'pipe.ts');
  writeParameterPipeline(file);
  const out = path.join(dir, 'out');
  const r = await runCli(['run', file, '--out', out, '--set', 'k=3', '--set', 'tags=x', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { totals: { samples: number } }).totals.samples, 9);
  const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { config: { parameters: unknown } };
  assert.deepEqual(manifest.config.parameters, { k: 3, prompts: 'prompts.jsonl', tags: ['x'], prefer: 'first' });

  const help = await runCli(['run', file, '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /pipeline parameters:\n  --set k=NUMBER +samples per prompt \(default: 2\)/);
  assert.match(help.stdout, /--set prefer=FIRST\|SHORTEST +which accepted sample to keep \(default: "first"\)/);
});
