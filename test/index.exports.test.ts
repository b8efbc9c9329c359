import { test } from 'node:test';
import assert from 'node:assert/strict';

/**
 * The package's runtime names, pinned: adding one is a promise to users (docs, semver), removing one breaks their
 * pipelines. Types are pinned by the type-check of pipelines/*.ts, which import from 'distillery'.
 */
const PUBLIC = [
  'BUNDLED_MODEL',
  'ConfigError',
  'GENERAL_WEIGHTS',
  'REASONING_WEIGHTS',
  'VERDICT_CATEGORIES',
  'allPass',
  'codeJudge',
  'decontaminate',
  'defineParameters',
  'definePipeline',
  'exactAnswerJudge',
  'formatJudge',
  'generativeJudge',
  'inspectBuild',
  'jsonl',
  'keepAccepted',
  'loadPipeline',
  'majorityVoteJudge',
  'mathJudge',
  'mergeBuilds',
  'nearDedupe',
  'onlyDomains',
  'onnx',
  'openai',
  'parquet',
  'perSampleJudge',
  'readManifest',
  'readabilityJudge',
  'replay',
  'reward',
  'ruleJudgeDisagreement',
  'ruleOrJudgeAccept',
  'runPipeline',
  'verdict',
  'z',
];

test('the public entry point exports exactly the pipeline author names, and no internals', async () => {
  const d = (await import('../src/index.ts')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(d).sort(), [...PUBLIC].sort());
  for (const internal of ['openAIServer', 'verifyMath', 'datasetCard', 'openParquetBuildStore', 'PreviousBuild', 'mathAnswersEquivalent']) {
    assert.equal(internal in d, false, internal);
  }
});
