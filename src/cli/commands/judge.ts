import { runGroup, type CommandGroup } from '../command.ts';

/** `distillery judge <kind> …`: each kind is `judge-<kind>.ts` beside this file, loaded when it runs. */
const group: CommandGroup = {
  name: 'judge',
  summary: 'Judge a JSONL file on its own, outside a pipeline: one output line per input line, in order, then a summary line with pass/fail/error counts on stderr.',
  subcommands: {
    math: { summary: 'a final answer against a reference (math equivalence)', load: () => import('./judge-math.ts') },
    code: { summary: 'a program against its tests, in the sandbox', load: () => import('./judge-code.ts') },
    format: { summary: 'the R1 output format: <think>…</think> then a final answer', load: () => import('./judge-format.ts') },
    readability: { summary: 'language mixing, repetition and other readability defects', load: () => import('./judge-readability.ts') },
    generative: { summary: 'an LLM judge through an OpenAI-compatible endpoint', load: () => import('./judge-generative.ts') },
  },
};

export async function run(argv: string[]): Promise<number> {
  return runGroup(group, argv);
}
