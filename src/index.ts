/**
 * The package entry point: `import { definePipeline, jsonl, onnx, mathJudge, keepAccepted } from 'distillery'`.
 * What a pipeline author writes with — the factories, their option types, and the interfaces a custom source,
 * backend, judge, selection policy or build store implements — plus running a pipeline from code. Everything
 * else stays internal to its stage folder. test/index.exports.test.ts pins this list: a name added here is a
 * promise to users.
 */

// Pipeline definition and running
export { definePipeline, ConfigError, type Pipeline, type PipelineDefinition } from './pipeline/define.ts';
export { runPipeline, type RunOptions, type Progress } from './pipeline/engine.ts';
export { loadPipeline } from './pipeline/load-pipeline.ts';
export { mergeBuilds } from './pipeline/merge-builds.ts';
export type { BuildReport } from './pipeline/build-stats.ts';
export type { GenerationConfigInput as GenerationOptions } from '../schemas/generation.ts';
export { defineParameters } from './config/parameters.ts';
/** zod, for declaring parameters (defineParameters) with the same zod the package validates with. */
export { z } from 'zod';

// Sources
export { jsonl, type FileSourceOptions } from './sources/jsonl.ts';
export { parquet } from './sources/parquet.ts';
export { nearDedupe, type NearDedupeOptions } from './sources/near-dedupe.ts';
export { decontaminate, type DecontaminateOptions, type EvalFile } from './sources/decontaminate.ts';
export type { Source, SourceItem, SourceReadOptions } from './sources/source.ts';

// Model backends
export { onnx, BUNDLED_MODEL, type OnnxOptions } from './models/onnx/index.ts';
export { openai, type OpenAIOptionsInput as OpenAIOptions, type OpenAIBackend } from './models/openai/index.ts';
export { replay, type ReplayOptions } from './models/replay/index.ts';
export type { Backend, Sampler, SampleRequest, GeneratedSample } from './models/sampler.ts';

// Judges
export { perSampleJudge, type Judge, type JudgeContext } from './judges/judge.ts';
export { formatJudge, type FormatJudgeOptions } from './judges/format.ts';
export { exactAnswerJudge, type ExactAnswerOptions } from './judges/exact-answer.ts';
export { mathJudge, type MathJudgeOptions, type MathPolicy } from './judges/math/index.ts';
export { codeJudge, type CodeJudgeOptions } from './judges/code/index.ts';
export { readabilityJudge, type ReadabilityThresholds, type ReadabilityJudgeOptions } from './judges/readability/index.ts';
export { generativeJudge, type GenerativeJudgeOptions, type JudgeTemplate } from './judges/generative/index.ts';
export { majorityVoteJudge, type MajorityVoteOptions } from './judges/majority.ts';
export { onlyDomains } from './judges/domain-gate.ts';

// Selection
export { keepAccepted, allPass, type KeepAcceptedOptions } from './select/keep-accepted.ts';
export { reward, REASONING_WEIGHTS, GENERAL_WEIGHTS, type RewardOptions } from './select/reward.ts';
export { ruleOrJudgeAccept, ruleJudgeDisagreement } from './select/rule-or-judge.ts';
export type { SelectionPolicy, JudgedSample, PromptSelection, SampleDecision } from './select/policy.ts';

// Build output: a custom store implements BuildStore; a finished build is read back with these.
export type { BuildStore, BuildIdentity, ChunkRows, ResumeState } from './sinks/build-store.ts';
export { readManifest, type Manifest } from './sinks/manifest.ts';
export { inspectBuild } from './sinks/inspect-build.ts';

// Records
export { verdict, VERDICT_CATEGORIES, type Verdict, type VerdictCategory } from '../schemas/verdict.ts';
export type { Prompt } from '../schemas/prompt.ts';
export type { Sample } from '../schemas/sample.ts';
