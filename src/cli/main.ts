/**
 * `distillery <command> …`. Each command lives in `src/cli/commands/<name>.ts` and exports
 * `run(argv: string[]): Promise<number>` (the exit code); this file only dispatches.
 */
const COMMANDS: Record<string, string> = {
  run: 'run a pipeline: distillery run <pipeline.ts> --out DIR [--limit N] [--shard I/N|auto[/N]] [--reuse PREV_DIR] [--backend openai --base-url URL --model NAME] [--json]',
  inspect: 'summarise a build directory through DuckDB: distillery inspect DIR [--json]',
  report: 'a self-contained HTML report of a build: distillery report DIR [--out FILE.html] [--compare PREV_DIR]',
  judge: 'judge a JSONL file on its own: distillery judge math|code|format|readability|generative --input F [--output F]',
  batch: 'offline batch files: distillery batch export <pipeline.ts> --out F | batch import <pipeline.ts> --results F… --out DIR',
  merge: 'merge sharded builds: distillery merge DIR… --out DIR',
  launch: 'run sharded on a cluster: distillery launch slurm|k8s <pipeline.ts> --shards N --out DIR [--parallel M] [--gpus G] [--submit] [-- RUN_ARGS…]',
  serve: "OpenAI-compatible endpoint over a pipeline's backend: distillery serve <pipeline.ts> [--host H] [--port P]",
};

export function usage(): string {
  return ['usage: distillery <command> [options]', '', ...Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(8)} ${d}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(usage());
    return command ? 0 : 2;
  }
  if (!(command in COMMANDS)) {
    console.error(`distillery: unknown command "${command}"\n\n${usage()}`);
    return 2;
  }
  const mod = (await import(new URL(`./commands/${command}.ts`, import.meta.url).href)) as { run(argv: string[]): Promise<number> };
  try {
    return await mod.run(rest);
  } catch (err) {
    const e = err as Error;
    console.error(`distillery ${command}: ${e.name === 'ConfigError' || e.name === 'UsageError' ? '' : `${e.name}: `}${e.message}`);
    if (process.env.DISTILLERY_DEBUG) console.error(e.stack);
    return e.name === 'UsageError' ? 2 : 1;
  }
}
