import { z as zod, type z } from 'zod';
import { ConfigError } from '../../schemas/config-error.ts';
import { didYouMean } from './did-you-mean.ts';

/**
 * Parse the options of a public factory (`formatJudge({...})`, `onnx({...})`, `definePipeline({...})`) with its
 * zod schema, written with `z.strictObject` at every level, so a misspelt option is an error instead of a silent
 * default. On failure, throws one ConfigError listing every problem, one a line, each naming its path:
 *
 *   formatJudge: prefiledThink: unknown option — did you mean prefilledThink?
 *   keepAccepted: prefer: "shortst" is not one of reward | shortest | first — did you mean shortest?
 *
 * `where` names the factory; loadPipeline prefixes the pipeline file.
 */
export function parseOptions<S extends z.ZodType>(where: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input === undefined ? {} : input);
  if (parsed.success) return parsed.data;
  throw new ConfigError(`${where}: ${describeIssues(schema, input, parsed.error.issues).join(`\n${where}: `)}`);
}

/** One line per zod issue, in the words a pipeline author needs: path, what is wrong, what would be right. */
export function describeIssues(schema: z.ZodType, input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const valid = optionNames(schema, issue.path);
      for (const key of issue.keys) {
        const near = didYouMean(key, valid) ?? nestedNear(schema, issue.path, valid, key);
        const path = at ? `${at}.${key}` : key;
        lines.push(`${path}: unknown option — ${near ? `did you mean ${near}?` : `valid options: ${valid.join(', ')}`}`);
      }
    } else if (issue.code === 'invalid_value' && issue.values.length > 0) {
      const allowed = issue.values.map((v) => String(v));
      const given = valueAt(input, issue.path);
      const near = typeof given === 'string' ? didYouMean(given, allowed) : null;
      lines.push(`${at || '(options)'}: ${JSON.stringify(given)} is not one of ${allowed.join(' | ')}${near ? ` — did you mean ${near}?` : ''}`);
    } else {
      lines.push(`${at || '(options)'}: ${issue.message}`);
    }
  }
  return lines;
}

/** The keys of the object schema at `path` (through defaults, optionals, arrays, pipes), for suggestions. */
export function optionNames(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: z.ZodType | undefined = unwrap(schema);
  for (const step of path) {
    if (!s) return [];
    const def = s.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
    if (def.type === 'object') s = def.shape?.[String(step)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return [];
    s = s && unwrap(s);
  }
  const def = s?.def as { type: string; shape?: Record<string, z.ZodType> } | undefined;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** `mathJudge({ timeoutMS })` → "policy.timeoutMs": an option given one level too high. */
function nestedNear(schema: z.ZodType, path: readonly PropertyKey[], keys: readonly string[], key: string): string | null {
  const nested = keys.flatMap((k) => optionNames(schema, [...path, k]).map((sub) => ({ sub, full: `${k}.${sub}` })));
  const near = didYouMean(key, nested.map((n) => n.sub));
  return near === null ? null : nested.find((n) => n.sub === near)!.full;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    const def = s.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable' || def.type === 'prefault' || def.type === 'readonly' || def.type === 'catch') && def.innerType) s = def.innerType;
    else if (def.type === 'pipe' && def.in) s = def.in;
    else return s;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[step];
  }
  return v;
}

/** An option that takes a function (a custom accept rule, a reward): checked to be one. */
export const fn = <T extends (...args: never[]) => unknown>() =>
  zod.custom<T>((v) => typeof v === 'function', { message: 'expected a function' });

/**
 * Only the keys checked (an unknown key named with the nearest valid one), for options whose values the factory
 * checks itself or that hold objects and functions.
 */
export function checkOptionKeys(where: string, input: unknown, keys: readonly string[]): void {
  parseOptions(where, zod.strictObject(Object.fromEntries(keys.map((k) => [k, zod.unknown().optional()]))), input);
}
