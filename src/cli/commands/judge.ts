import { UsageError } from '../args.ts';

/** `distillery judge <kind> …`: dispatches to `judge-<kind>.ts` beside this file. */
const KINDS = ['math', 'code', 'format', 'readability', 'generative'] as const;

export async function run(argv: string[]): Promise<number> {
  const [kind, ...rest] = argv;
  if (!kind || !(KINDS as readonly string[]).includes(kind)) {
    throw new UsageError(`judge: expected one of ${KINDS.join(' | ')}, e.g. distillery judge math --input cases.jsonl`);
  }
  const mod = (await import(new URL(`./judge-${kind}.ts`, import.meta.url).href)) as { run(argv: string[]): Promise<number> };
  return mod.run(rest);
}
