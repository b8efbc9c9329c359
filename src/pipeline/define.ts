import { z } from 'zod';
import { ConfigError } from '../../schemas/config-error.ts';
import { PipelineOptions } from '../../schemas/pipeline.ts';
import type { Judge } from '../judges/judge.ts';
import type { Backend } from '../models/sampler.ts';
import type { SelectionPolicy } from '../select/policy.ts';
import type { Source } from '../sources/source.ts';
import { parseOptions } from '../config/strict-options.ts';
import { didYouMean } from '../config/did-you-mean.ts';

/** The plain options plus the four parts (checked one by one below, with messages of their own). */
const DefinitionKeys = PipelineOptions.extend({ sources: z.unknown(), backend: z.unknown(), judges: z.unknown(), selection: z.unknown() });

export { ConfigError };

/** A pipeline as written in `pipelines/*.ts`: where prompts come from, which model, which judges, what is kept. */
export interface PipelineDefinition extends z.input<typeof PipelineOptions> {
  sources: Source[];
  backend: Backend;
  /** Run in order; each sees the verdicts of those before it. */
  judges: Judge[];
  selection: SelectionPolicy;
}

export interface Pipeline extends PipelineOptions {
  /** The values of the pipeline's declared parameters (defineParameters), when it declares any. */
  parameters?: Readonly<Record<string, unknown>>;
  sources: Source[];
  backend: Backend;
  judges: Judge[];
  selection: SelectionPolicy;
}

/**
 * Validate a pipeline definition. Throws a ConfigError naming the failing path, before any work is done.
 */
export function definePipeline(def: PipelineDefinition): Pipeline {
  const { sources, backend, judges, selection } = def;
  // Strict: a misspelt key anywhere (`generation.temprature`) is an error naming the nearest valid one.
  const { sources: _s, backend: _b, judges: _j, selection: _p, ...options } = parseOptions('pipeline config', DefinitionKeys, def);
  if (!Array.isArray(sources) || sources.length === 0) throw new ConfigError('pipeline config: sources: give at least one source');
  if (!backend || typeof backend.open !== 'function') throw new ConfigError('pipeline config: backend: expected a backend (e.g. replay(...), onnx(...))');
  if (!Array.isArray(judges)) throw new ConfigError('pipeline config: judges: expected an array of judges');
  judges.forEach((j, i) => {
    if (!j || typeof j.judge !== 'function') throw new ConfigError(`pipeline config: judges.${i}: expected a judge`);
  });
  const names = judges.map((j) => j.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new ConfigError(`pipeline config: judges: two judges are named "${dup}"; give one a distinct name`);
  if (!selection || typeof selection.select !== 'function') throw new ConfigError('pipeline config: selection: expected a selection policy');
  checkJudgeNames(judges, selection);
  return Object.freeze({ ...options, sources, backend, judges, selection });
}

/**
 * Every judge name that something reads must be a judge of the pipeline: a misspelt or renamed judge would otherwise
 * be read as "no verdict" on every sample, silently. A judge reading another's verdicts sees only those before it.
 */
function checkJudgeNames(judges: readonly Judge[], selection: SelectionPolicy): void {
  const names = judges.map((j) => j.name);
  const unknown = (name: string, who: string) => {
    const near = didYouMean(name, names);
    return new ConfigError(`pipeline config: ${who} reads the verdicts of judge "${name}", which is not in judges (${names.map((n) => `"${n}"`).join(', ') || 'none'})${near ? `; did you mean "${near}"?` : ''}`);
  };
  judges.forEach((j, i) => {
    for (const name of j.reads ?? []) {
      const at = names.indexOf(name);
      if (at < 0) throw unknown(name, `judges.${i} ("${j.name}")`);
      if (at > i) throw new ConfigError(`pipeline config: judges.${i} ("${j.name}") reads the verdicts of judge "${name}", which runs after it; put "${name}" first`);
    }
  });
  for (const name of selection.reads ?? []) if (!names.includes(name)) throw unknown(name, 'selection');
}
