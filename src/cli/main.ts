/**
 * `distillery <command> …`. Each command lives in `src/cli/commands/<name>.ts` and exports its `spec` (flags and
 * help, see command.ts) and `run(argv)` (the exit code); this file only lists them and dispatches. A command is
 * loaded only when it runs, so `distillery --help` loads none of the engine.
 */
import { didYouMean } from '../config/did-you-mean.ts';
import { PACKAGE_VERSION } from '../config/package-root.ts';

/** To add a command: one line here and a file in commands/. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  run: { summary: 'run a pipeline into a build directory', load: () => import('./commands/run.ts') },
  inspect: { summary: 'summarise a build directory (rows, acceptance, reasons, checksums)', load: () => import('./commands/inspect.ts') },
  judge: { summary: 'judge a JSONL file on its own: math | code | format | readability | generative', load: () => import('./commands/judge.ts') },
  batch: { summary: 'offline batch files: export requests, import results', load: () => import('./commands/batch.ts') },
  merge: { summary: 'merge sharded builds into one', load: () => import('./commands/merge.ts') },
  report: { summary: 'a self-contained HTML report of a build (figures, samples, comparison with a previous build)', load: () => import('./commands/report.ts') },
  launch: { summary: 'run a pipeline sharded on a cluster: slurm | k8s', load: () => import('./commands/launch.ts') },
  serve: { summary: "serve a pipeline's backend as an OpenAI-compatible endpoint", load: () => import('./commands/serve.ts') },
  init: { summary: 'scaffold a pipeline project (package.json, pipeline.ts, prompts, README)', load: () => import('./commands/init.ts') },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    'usage: distillery <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([c, { summary }]) => `  ${c.padEnd(width)}${summary}`),
    '',
    'Run "distillery <command> --help" (or "distillery help <command>") for its options; "distillery --version" for the version.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    console.error(usage());
    return 2;
  }
  if (first === '--help' || first === '-h') {
    console.log(usage());
    return 0;
  }
  if (first === '--version' || first === '-v' || first === 'version') {
    console.log(PACKAGE_VERSION);
    return 0;
  }
  // `distillery help run` = `distillery run --help`; `distillery help judge math` = `distillery judge math --help`.
  const [command, args] = first === 'help' ? [rest[0], [...rest.slice(1), '--help']] : [first, rest];
  if (command === undefined) {
    console.log(usage());
    return 0;
  }
  if (!Object.hasOwn(COMMANDS, command)) {
    const near = didYouMean(command, Object.keys(COMMANDS));
    console.error(`distillery: unknown ${command.startsWith('-') ? 'flag' : 'command'} "${command}"${near ? ` — did you mean "${near}"?` : ''}\n\n${usage()}`);
    return 2;
  }
  const mod = await COMMANDS[command].load();
  try {
    return await mod.run(args);
  } catch (err) {
    const e = err as Error & { command?: string };
    const plain = e.name === 'ConfigError' || e.name === 'UsageError';
    console.error(`distillery ${e.command ?? command}: ${plain ? '' : `${e.name}: `}${plainMessage(e)}`);
    if (e.name === 'UsageError') console.error(`Run "distillery ${e.command ?? command} --help" for usage.`);
    if (process.env.DISTILLERY_DEBUG) console.error(e.stack);
    return e.name === 'UsageError' ? 2 : 1;
  }
}

/** File-system errors in plain words: "cannot read missing.jsonl: no such file" instead of "ENOENT: …". */
function plainMessage(e: Error & { code?: string; path?: string; syscall?: string }): string {
  if (!e.code || !e.path) return e.message;
  const what = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory, expected a file', ENOTDIR: 'a part of the path is not a directory', EEXIST: 'already exists' }[e.code];
  if (!what) return e.message;
  return `cannot ${e.syscall === 'scandir' || e.syscall === 'read' ? 'read' : e.syscall === 'mkdir' ? 'create' : 'open'} ${e.path}: ${what}`;
}
