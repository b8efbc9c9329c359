import { test } from 'node:test';
import assert from 'node:assert/strict';

test('the public entry point loads and exposes the pipeline author names', async () => {
  const d = await import('../src/index.ts');
  for (const name of ['definePipeline', 'runPipeline', 'jsonl', 'parquet', 'onnx', 'openai', 'replay', 'formatJudge', 'mathJudge', 'codeJudge', 'readabilityJudge', 'generativeJudge', 'majorityVoteJudge', 'keepAccepted', 'reward', 'openParquetBuildStore', 'inspectBuild']) {
    assert.equal(typeof (d as Record<string, unknown>)[name], 'function', name);
  }
});
