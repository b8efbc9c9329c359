/** The names a pipeline author uses. Backends, sources and judges add their factories here as they land. */
export { definePipeline, ConfigError, type Pipeline, type PipelineDefinition } from './pipeline/define.ts';
export type { Judge, JudgeContext } from './judges/judge.ts';
export { perSampleJudge } from './judges/judge.ts';
export type { Backend, Sampler, SampleRequest, GeneratedSample } from './models/sampler.ts';
export type { Source, SourceItem } from './sources/source.ts';
export type { SelectionPolicy, JudgedSample, PromptSelection } from './select/policy.ts';
export { verdict, type Verdict } from '../schemas/verdict.ts';
export type { Prompt } from '../schemas/prompt.ts';
export type { Sample } from '../schemas/sample.ts';
