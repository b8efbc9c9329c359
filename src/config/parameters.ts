import { z } from 'zod';
import { ConfigError } from '../../schemas/config-error.ts';
import { didYouMean } from './did-you-mean.ts';
import { describeIssues } from './strict-options.ts';

/**
 * Declared pipeline parameters: a pipeline file says what can be set from outside, with types, defaults and
 * descriptions, instead of reading environment variables when it loads.
 *
 *   const params = defineParameters({
 *     prompts: z.array(z.string()).default([]).describe('prompt files (JSONL or Parquet)'),
 *     examples: z.number().int().min(1).default(800_000).describe('total examples wanted'),
 *   });
 *
 * `distillery run pipe.ts --set examples=1000 --set prompts=a.jsonl,b.jsonl` sets them; `distillery run pipe.ts
 * --help` lists them; the build's manifest records the values (config.parameters). A parameter may name an
 * environment variable read when it is not set on the command line (`{ env: { examples: 'DISTILLERY_EXAMPLES' } }`).
 */
export function defineParameters<S extends Record<string, z.ZodType>>(shape: S, options: { env?: Partial<Record<keyof S & string, string>> } = {}): z.output<z.ZodObject<S>> {
  const state = parameterState();
  const schema = z.strictObject(shape);
  state.declared = { shape, env: (options.env ?? {}) as Record<string, string> };
  const raw: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(shape)) {
    const given = state.given[name] ?? (options.env?.[name as keyof S & string] ? process.env[options.env[name as keyof S & string]!]?.trim() || undefined : undefined);
    if (given !== undefined) raw[name] = fromText(field, given);
  }
  const unknown = Object.keys(state.given).filter((k) => !(k in shape));
  if (unknown.length > 0) {
    const names = Object.keys(shape);
    throw new ConfigError(unknown.map((k) => { const near = didYouMean(k, names); return `--set ${k}: unknown parameter — ${near ? `did you mean ${near}?` : names.length ? `parameters: ${names.join(', ')}` : 'this pipeline declares none'}`; }).join('\n'));
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(describeIssues(schema, raw, parsed.error.issues).map((l) => `parameter ${l}`).join('\n'));
  state.values = parsed.data as Record<string, unknown>;
  return parsed.data;
}

/** What one parameter looks like in `run pipe.ts --help`. */
export interface ParameterHelp {
  name: string;
  type: string;
  default: unknown;
  description: string;
  env?: string;
}

/**
 * Shared with the CLI across module copies (a pipeline file may load the package from its own node_modules): the
 * values given with --set, what the loaded pipeline declared, and the values it got.
 */
interface ParameterState {
  given: Record<string, string>;
  declared: { shape: Record<string, z.ZodType>; env: Record<string, string> } | null;
  values: Record<string, unknown> | null;
}
const STATE = Symbol.for('distillery.pipeline-parameters');

function parameterState(): ParameterState {
  const g = globalThis as Record<symbol, ParameterState | undefined>;
  g[STATE] ??= { given: {}, declared: null, values: null };
  return g[STATE]!;
}

/** Before a pipeline file is imported: the `--set key=value` values it will see. */
export function setParameterValues(given: Record<string, string>): void {
  const s = parameterState();
  s.given = { ...given };
  s.declared = null;
  s.values = null;
}

/** After a pipeline file was imported: what it declared (for --help) and the values it runs with. */
export function loadedParameters(): { help: ParameterHelp[]; values: Record<string, unknown> | null; given: Record<string, string> } {
  const s = parameterState();
  const help = s.declared
    ? Object.entries(s.declared.shape).map(([name, field]) => ({ name, ...fieldHelp(field), ...(s.declared!.env[name] ? { env: s.declared!.env[name] } : {}) }))
    : [];
  return { help, values: s.values, given: s.given };
}

/** `key=value` pairs of --set, checked for shape. */
export function parseSetFlags(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${pair}: expected key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

/** The help lines of declared parameters, aligned. */
export function formatParameters(help: readonly ParameterHelp[]): string {
  if (help.length === 0) return 'This pipeline declares no parameters.';
  const left = help.map((p) => `--set ${p.name}=${p.type.toUpperCase()}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return [
    'pipeline parameters:',
    ...help.map((p, i) => {
      const dflt = p.default === undefined ? '' : ` (default: ${JSON.stringify(p.default)})`;
      return `  ${left[i].padEnd(width)}${p.description}${dflt}${p.env ? ` [env ${p.env}]` : ''}`;
    }),
  ].join('\n');
}

type Def = { type: string; innerType?: z.ZodType; defaultValue?: unknown; element?: z.ZodType; in?: z.ZodType };

function unwrapped(field: z.ZodType): { base: z.ZodType; default: unknown } {
  let s = field;
  let dflt: unknown;
  for (;;) {
    const def = s.def as Def;
    if (def.type === 'default' || def.type === 'prefault') dflt ??= typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return { base: s, default: dflt };
  }
}

function fieldHelp(field: z.ZodType): { type: string; default: unknown; description: string } {
  const { base, default: dflt } = unwrapped(field);
  const def = base.def as Def;
  const type = def.type === 'array' ? `${(unwrapped(def.element!).base.def as Def).type}s` : def.type === 'enum' ? (base as z.ZodEnum).options.join('|') : def.type;
  return { type, default: dflt, description: field.description ?? base.description ?? '' };
}

/** A --set value as the parameter's type: numbers, booleans, comma-separated lists, JSON for the rest. */
function fromText(field: z.ZodType, text: string): unknown {
  const { base } = unwrapped(field);
  const def = base.def as Def;
  switch (def.type) {
    case 'string':
    case 'enum':
    case 'literal':
      return text;
    case 'number':
    case 'int':
      return text.trim() === '' ? text : Number(text);
    case 'boolean':
      return text === 'true' || text === '1' ? true : text === 'false' || text === '0' ? false : text;
    case 'array':
      return text.trim().startsWith('[') ? safeJson(text) : text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => fromText(def.element!, s));
    default:
      return safeJson(text);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
