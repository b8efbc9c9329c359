import { isDeepStrictEqual } from 'node:util';

/**
 * The dotted paths where two JSON configs differ (`generation.temperature`, `judges.1.mode`, `sources.0.path`),
 * descending into objects and arrays of equal length, at most `max` paths: what a refusal names so the user sees
 * which setting changed.
 */
export function configDifferences(was: unknown, now: unknown, max = 12): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= max || isDeepStrictEqual(a, b)) return;
    const bothObjects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
    if (!bothObjects || (Array.isArray(a) && (a as unknown[]).length !== (b as unknown[]).length)) {
      out.push(path || '(root)');
      return;
    }
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
    for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
  };
  walk(was, now, '');
  return out;
}

/** `path: was → now` for a short value, the path alone for a long one. */
export function describeDifference(was: unknown, now: unknown, path: string): string {
  if (path === '(root)') return path;
  const at = (v: unknown) => path.split('.').reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), v);
  const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
  const a = show(at(was));
  const b = show(at(now));
  return a.length + b.length <= 80 ? `${path}: ${a} → ${b}` : path;
}
