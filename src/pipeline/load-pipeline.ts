import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, definePipeline, type Pipeline } from './define.ts';

/**
 * Import a pipeline file (its default export: `definePipeline({...})`, or the plain definition) and validate it.
 * Every problem (missing file, a throw while the file evaluates, e.g. a source whose input does not exist, a bad
 * option) becomes a ConfigError that starts with the file path, before any work is done.
 */
export async function loadPipeline(file: string): Promise<Pipeline> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ConfigError(`${file}: pipeline file not found`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
  } catch (e) {
    const err = e as Error;
    if (err instanceof ConfigError || err?.name === 'ConfigError') throw new ConfigError(`${file}: ${err.message}`);
    throw new ConfigError(`${file}: could not load the pipeline file: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`);
  }
  if (!mod.default || typeof mod.default !== 'object') throw new ConfigError(`${file}: expected a default export: export default definePipeline({ ... })`);
  try {
    return definePipeline(mod.default as Parameters<typeof definePipeline>[0]);
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
}
