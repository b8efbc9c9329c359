import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { didYouMean } from '../src/config/did-you-mean.ts';
import { codeJudge, definePipeline, exactAnswerJudge, formatJudge, generativeJudge, keepAccepted, mathJudge, onnx, openai, jsonl, loadPipeline, readabilityJudge, reward } from '../src/index.ts';

test('didYouMean: the nearest candidate within a typo distance, or nothing', () => {
  assert.equal(didYouMean('temprature', ['k', 'temperature', 'topP']), 'temperature');
  assert.equal(didYouMean('limt', ['limit', 'out', 'shard']), 'limit');
  assert.equal(didYouMean('shrad', ['limit', 'out', 'shard']), 'shard'); // a swap is one edit
  assert.equal(didYouMean('zzz', ['limit', 'out', 'shard']), null);
});

test('a misspelt option in a factory is a ConfigError naming the key and the nearest valid one', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => formatJudge({ prefiledThink: true } as never), /^formatJudge: prefiledThink: unknown option — did you mean prefilledThink\?$/],
    [() => mathJudge({ timeoutMS: 100 } as never), /^mathJudge: timeoutMS: unknown option — did you mean policy\.timeoutMs\?$/],
    [() => mathJudge({ policy: { timeoutMS: 100 } } as never), /^mathJudge: policy\.timeoutMS: unknown option — did you mean timeoutMs\?$/],
    [() => keepAccepted({ maxPerPromt: 1 } as never), /^keepAccepted: maxPerPromt: unknown option — did you mean maxPerPrompt\?$/],
    [() => onnx({ modle: 'x' } as never), /^onnx: modle: unknown option — did you mean model\?$/],
    [() => openai({ baseUrl: 'http://127.0.0.1:1/v1', model: 'm', concurency: 2 } as never), /^openai backend: concurency: unknown option — did you mean concurrency\?$/],
    [() => jsonl('datasets/tiny-r1-mix/prompts.jsonl', { domian: 'math' } as never), /^jsonl: domian: unknown option — did you mean domain\?$/],
    [() => jsonl('datasets/tiny-r1-mix/prompts.jsonl', { mapping: { promt: 'q' } } as never), /^jsonl: mapping\.promt: unknown option — did you mean prompt\?$/],
    [() => exactAnswerJudge({ ignorecase: true } as never), /^exactAnswerJudge: ignorecase: unknown option — did you mean ignoreCase\?$/],
    [() => readabilityJudge({ maxParagraphChar: 10 } as never), /^readabilityJudge: maxParagraphChar: unknown option — did you mean maxParagraphChars\?$/],
    [() => codeJudge({ timeoutMS: 10 } as never), /^codeJudge: timeoutMS: unknown option — did you mean timeoutMs\?$/],
    [() => reward({ weight: {} } as never), /^reward: weight: unknown option — did you mean weights\?$/],
    [() => generativeJudge({ sampler: onnx(), mode: 'correctness', generation: { maxToken: 5 } } as never), /^generativeJudge generation: maxToken: unknown option — did you mean maxTokens\?$/],
  ];
  for (const [make, message] of cases) {
    assert.throws(make, (e: Error) => e.name === 'ConfigError' && message.test(e.message), String(make));
  }
});

test('an invalid value names the allowed ones; every problem is listed', () => {
  assert.throws(() => keepAccepted({ prefer: 'shortst' } as never), /keepAccepted: prefer: "shortst" is not one of reward \| shortest \| first — did you mean shortest\?/);
  assert.throws(() => onnx({ device: 'gpu' } as never), /onnx: device: "gpu" is not one of cpu \| webgpu \| cuda/);
  assert.throws(
    () => keepAccepted({ maxPerPromt: 1, prefer: 'long' } as never),
    (e: Error) => /maxPerPromt: unknown option/.test(e.message) && /prefer: "long" is not one of/.test(e.message),
  );
  assert.throws(() => keepAccepted({ passRateBand: [0.6, 0.2] }), /keepAccepted: passRateBand: expected \[min, max\]/);
  assert.throws(() => keepAccepted({ accept: 'all' } as never), /keepAccepted: accept: expected a function/);
});

test('definePipeline: a misspelt generation option or top-level key is named with the nearest valid one', () => {
  const parts = { sources: [jsonl('datasets/tiny-r1-mix/prompts.jsonl')], backend: onnx(), judges: [], selection: keepAccepted() };
  assert.throws(() => definePipeline({ name: 'p', ...parts, generation: { temprature: 0.1 } as never }), /pipeline config: generation\.temprature: unknown option — did you mean temperature\?$/);
  assert.throws(() => definePipeline({ name: 'p', ...parts, judgez: [] } as never), /pipeline config: judgez: unknown option — did you mean judges\?$/);
  assert.throws(() => definePipeline({ name: 'p', ...parts, output: { shardRow: 5 } as never }), /output\.shardRow: unknown option — did you mean shardRows\?/);
  const ok = definePipeline({ name: 'p', ...parts, generation: { temperature: 0.1 } });
  assert.equal(ok.generation.temperature, 0.1);
  assert.equal(ok.generation.k, 4);
});

test('loadPipeline: the error of a misspelt option names the pipeline file, before anything runs', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-strict-'));
  try {
    const file = path.join(dir, 'typo.mts');
    const index = pathToFileURL(path.resolve('src/index.ts')).href;
    writeFileSync(
      file,
      `import { definePipeline, jsonl, onnx, formatJudge, keepAccepted } from '${index}';
export default definePipeline({ name: 't', sources: [jsonl(${JSON.stringify(path.resolve('datasets/tiny-r1-mix/prompts.jsonl'))})], backend: onnx(), judges: [formatJudge({ prefiledThink: true })], selection: keepAccepted() });\n`,
    );
    await assert.rejects(loadPipeline(file), (e: Error) => e.name === 'ConfigError' && e.message.startsWith(`${file}: formatJudge: prefiledThink: unknown option — did you mean prefilledThink?`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
