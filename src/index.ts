/**
 * The names a pipeline author uses: `import { definePipeline, jsonl, onnx, mathJudge, keepAccepted } from 'distillery'`.
 * Everything else stays internal to its stage folder.
 */

// Pipeline definition and running
export { definePipeline, ConfigError, type Pipeline, type PipelineDefinition } from './pipeline/define.ts';
export { runPipeline } from './pipeline/engine.ts';
export { loadPipeline } from './pipeline/load-pipeline.ts';
export { mergeBuilds } from './pipeline/merge-builds.ts';
export type { BuildReport } from './pipeline/build-stats.ts';

// Sources
export { jsonl } from './sources/jsonl.ts';
export { parquet } from './sources/parquet.ts';
export { nearDedupe } from './sources/near-dedupe.ts';
export { decontaminate } from './sources/decontaminate.ts';
export type { Source, SourceItem } from './sources/source.ts';

// Model backends
export { onnx, BUNDLED_MODEL, type OnnxOptions } from './models/onnx/index.ts';
export { openai, type OpenAIOptionsInput, type OpenAIBackend } from './models/openai/index.ts';
export { openAIServer } from './models/openai/serve.ts';
export { replay } from './models/replay/index.ts';
export { reuseSamples } from './models/reuse-backend.ts';
export type { Backend, Sampler, SampleRequest, GeneratedSample } from './models/sampler.ts';

// Judges
export { perSampleJudge, type Judge, type JudgeContext } from './judges/judge.ts';
export { formatJudge } from './judges/format.ts';
export { exactAnswerJudge } from './judges/exact-answer.ts';
export { mathJudge, mathAnswersEquivalent, mathPolicy, verifyMath, type MathJudgeOptions, type MathPolicy } from './judges/math/index.ts';
export { codeJudge, type CodeJudgeOptions } from './judges/code/index.ts';
export { readabilityJudge, DEFAULT_READABILITY, type ReadabilityThresholds } from './judges/readability/index.ts';
export { generativeJudge, type GenerativeJudgeOptions, type JudgeTemplate } from './judges/generative/index.ts';
export { majorityVoteJudge, type MajorityVoteOptions } from './judges/majority.ts';
export { onlyDomains } from './judges/domain-gate.ts';

// Selection
export { keepAccepted, allPass, type KeepAcceptedOptions } from './select/keep-accepted.ts';
export { reward, REASONING_WEIGHTS, GENERAL_WEIGHTS, type RewardOptions } from './select/reward.ts';
export { ruleOrJudgeAccept, ruleJudgeDisagreement } from './select/rule-or-judge.ts';
export type { SelectionPolicy, JudgedSample, PromptSelection } from './select/policy.ts';

// Sinks
export { openParquetBuildStore, BuildConfigMismatchError } from './sinks/parquet-build-store.ts';
export { readManifest, type Manifest } from './sinks/manifest.ts';
export { inspectBuild } from './sinks/inspect-build.ts';
export { datasetCard } from './sinks/dataset-card.ts';

// Records
export { verdict, VERDICT_CATEGORIES, type Verdict, type VerdictCategory } from '../schemas/verdict.ts';
export type { Prompt } from '../schemas/prompt.ts';
export type { Sample } from '../schemas/sample.ts';
