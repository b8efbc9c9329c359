import { formatParameters, loadedParameters, parseSetFlags } from '../config/parameters.ts';
import { loadPipeline } from '../pipeline/load-pipeline.ts';
import type { Pipeline } from '../pipeline/define.ts';
import { commandHelp, type CommandSpec, type FlagSpec } from './command.ts';

/** `--set key=value` (repeatable): a declared pipeline parameter. */
export const SET_FLAG: Record<string, FlagSpec> = {
  set: { type: 'string', multiple: true, value: 'KEY=VALUE', help: "set a pipeline parameter (listed by --help after the pipeline file)" },
};

/** Load the pipeline file with the --set values. */
export function loadPipelineWithParameters(file: string, set: string[] | undefined): Promise<Pipeline> {
  return loadPipeline(file, { parameters: parseSetFlags(set ?? []) });
}

/**
 * `distillery run pipe.ts --help`: the command's help, then the parameters the pipeline declares (the file is
 * loaded with its defaults to find them). Returns null when there is no --help.
 */
export async function helpWithParameters(spec: CommandSpec, argv: string[]): Promise<number | null> {
  if (!argv.includes('--help') && !argv.includes('-h')) return null;
  console.log(commandHelp(spec));
  const file = argv.find((a) => !a.startsWith('-') && /\.[cm]?[jt]sx?$/.test(a));
  if (!file) return 0;
  let problem = '';
  try {
    await loadPipeline(file);
  } catch (e) {
    problem = `\n(${file} did not load with its defaults: ${(e as Error).message})`;
  }
  console.log(`\n${file}: ${formatParameters(loadedParameters().help)}${problem}`);
  return 0;
}
