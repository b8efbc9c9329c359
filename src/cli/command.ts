import { parseArgs } from 'node:util';
import { didYouMean } from '../config/did-you-mean.ts';
import { UsageError } from './args.ts';

/** One command-line flag: its type, a short letter, the placeholder of its value and one line of help. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
  /** Placeholder of the value in the help, e.g. DIR, N, URL. */
  value?: string;
  help: string;
}

/**
 * The declaration of one command (`run`, `judge math`, `batch export`): what `--help` prints and what the parser
 * accepts. To add a flag to a command, add a line to its `flags` table; help, unknown-flag suggestions and
 * parsing follow from it.
 */
export interface CommandSpec {
  /** The words after `distillery`: 'run', 'judge math'. */
  name: string;
  /** One line, shown in the command list. */
  summary: string;
  /** The synopsis after `distillery <name> `, e.g. '<pipeline.ts> --out DIR [options]'. */
  usage: string;
  flags: Record<string, FlagSpec>;
  /** More help after the flags: input fields, exit codes, examples. */
  notes?: string;
}

/** A command whose words are subcommands (`judge`, `batch`): each loads its own module on demand. */
export interface CommandGroup {
  name: string;
  summary: string;
  subcommands: Record<string, { summary: string; load: () => Promise<CommandModule> }>;
}

/** What a command module exports. `run` returns the exit code. */
export interface CommandModule {
  spec: CommandSpec;
  run(argv: string[]): Promise<number>;
}

const HELP_FLAG: FlagSpec = { type: 'boolean', short: 'h', help: 'print this help and exit' };

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Parsed arguments, or `help: true` when --help / -h was given (the caller prints commandHelp and exits 0). */
export type ParsedCommand = { help: true } | { help: false; values: FlagValues; positionals: string[] };

/**
 * Parse `argv` against a command's flag table. An unknown flag is a UsageError naming it and the nearest declared
 * flag (`unknown flag --limt — did you mean --limit?`); so is a missing or unexpected value.
 */
export function parseCommand(spec: CommandSpec, argv: string[]): ParsedCommand {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const flags: Record<string, FlagSpec> = { ...spec.flags, help: HELP_FLAG };
  const byShort = new Map(Object.entries(flags).filter(([, f]) => f.short).map(([name, f]) => [f.short!, name]));
  // Parse loosely, then check every option token against the table: parseArgs' own strict errors name neither the
  // command nor a suggestion.
  const { tokens } = parseArgs({ args: argv, options: toParseArgs(flags), allowPositionals: true, strict: false, tokens: true });
  const values: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const name = t.rawName.startsWith('--') ? t.name : (byShort.get(t.name) ?? t.name);
    const flag = flags[name];
    if (!flag) throw new UsageError(unknownFlag(t.rawName, flags));
    if (flag.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value (got "${t.value}")`);
      values[name] = true;
      continue;
    }
    let value = t.value;
    // parseArgs (loose) does not take a value that starts with "-" for an unknown type: take the next argument.
    if (value === undefined && tokens[i + 1]?.kind === 'positional') value = (tokens[++i] as { value: string }).value;
    if (value === undefined) throw new UsageError(`${t.rawName} needs a value: --${name} ${flag.value ?? 'VALUE'}`);
    if (flag.multiple) values[name] = [...((values[name] as string[] | undefined) ?? []), value];
    else values[name] = value;
  }
  return { help: false, values, positionals };
}

function toParseArgs(flags: Record<string, FlagSpec>) {
  return Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
  ) as NonNullable<Parameters<typeof parseArgs>[0]>['options'];
}

function unknownFlag(raw: string, flags: Record<string, FlagSpec>): string {
  const bare = raw.replace(/^-+/, '');
  const near = didYouMean(bare, Object.keys(flags));
  return `unknown flag ${raw}${near ? ` — did you mean --${near}?` : ''}`;
}

/** The help text of a command: usage, flags (aligned), notes. */
export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.flags, help: HELP_FLAG }).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
    return { left, help: f.multiple ? `${f.help} (repeatable)` : f.help };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [
    `usage: distillery ${spec.name} ${spec.usage}`,
    '',
    spec.summary,
    '',
    'options:',
    ...rows.map((r) => `  ${r.left.padEnd(width)}${r.help}`),
    ...(spec.notes ? ['', spec.notes.trim()] : []),
  ].join('\n');
}

/** The help text of a command group: its subcommands. */
export function groupHelp(group: CommandGroup): string {
  const names = Object.keys(group.subcommands);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  return [
    `usage: distillery ${group.name} <${names.join('|')}> [options]`,
    '',
    group.summary,
    '',
    'commands:',
    ...names.map((n) => `  ${n.padEnd(width)}${group.subcommands[n].summary}`),
    '',
    `Run "distillery ${group.name} <command> --help" for a command's options.`,
  ].join('\n');
}

/**
 * Run a group's subcommand: `judge math …`. No word or --help prints the group's help; an unknown word is a
 * UsageError with a suggestion. Errors from the subcommand carry its full name for the message prefix.
 */
export async function runGroup(group: CommandGroup, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    if (sub === 'help' && rest[0] && rest[0] in group.subcommands) return runGroup(group, [rest[0], '--help']);
    (sub === undefined ? console.error : console.log)(groupHelp(group));
    return sub === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(group.subcommands, sub) ? group.subcommands[sub] : undefined;
  if (!entry) {
    const near = didYouMean(sub, Object.keys(group.subcommands));
    throw new UsageError(`unknown command "${sub}"${near ? ` — did you mean "${near}"?` : ''} (expected one of ${Object.keys(group.subcommands).join(', ')})`);
  }
  const mod = await entry.load();
  try {
    return await mod.run(rest);
  } catch (e) {
    throw withCommand(e, mod.spec.name);
  }
}

/** Tag an error with the command it came from (the first tag wins: the innermost command). */
export function withCommand(e: unknown, command: string): unknown {
  if (e && typeof e === 'object' && !('command' in e)) Object.assign(e, { command });
  return e;
}

/**
 * Parse, or print the help and return its exit code: `const a = parseOrHelp(spec, argv); if (typeof a === 'number') return a;`.
 */
export function parseOrHelp(spec: CommandSpec, argv: string[]): number | { values: FlagValues; positionals: string[] } {
  const parsed = parseCommand(spec, argv);
  if (parsed.help) {
    console.log(commandHelp(spec));
    return 0;
  }
  return parsed;
}
