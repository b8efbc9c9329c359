import { existsSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, definePipeline, type Pipeline } from './define.ts';
import { loadedParameters, setParameterValues } from '../config/parameters.ts';

/**
 * Import a pipeline file (its default export: `definePipeline({...})`, or the plain definition) and validate it.
 * Every problem (missing file, a throw while the file evaluates, e.g. a source whose input does not exist, a bad
 * option) becomes a ConfigError that starts with the file path, before any work is done.
 */
export async function loadPipeline(file: string, options: { parameters?: Record<string, string> } = {}): Promise<Pipeline> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ConfigError(`${file}: pipeline file not found`);
  let mod: { default?: unknown };
  // The values of its declared parameters (defineParameters) the file sees while it evaluates.
  setParameterValues(options.parameters ?? {});
  try {
    mod = (await importPipelineModule(abs)) as { default?: unknown };
  } catch (e) {
    const err = e as Error;
    if (err instanceof ConfigError || err?.name === 'ConfigError') throw new ConfigError(`${file}: ${err.message}`);
    throw new ConfigError(`${file}: could not load the pipeline file: ${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`);
  }
  if (!mod.default || typeof mod.default !== 'object') throw new ConfigError(`${file}: expected a default export: export default definePipeline({ ... })`);
  let pipeline: Pipeline;
  try {
    pipeline = definePipeline(mod.default as Parameters<typeof definePipeline>[0]);
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  const { values, help } = loadedParameters();
  const given = Object.keys(options.parameters ?? {});
  if (given.length > 0 && help.length === 0) throw new ConfigError(`${file}: --set ${given[0]}: this pipeline declares no parameters`);
  return values ? Object.freeze({ ...pipeline, parameters: Object.freeze({ ...values }) }) : pipeline;
}

const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * A resolve hook run before tsx's: a .ts/.tsx file outside node_modules is an ES module, whatever the nearest
 * package.json says. Pipelines use `import`/`export` and `import.meta.url`; in a project made by `npm init -y`
 * ("type": "commonjs") tsx would otherwise compile p.ts as CommonJS and fail ("Cannot require() ES Module … in a
 * cycle"). Inline as a data: URL: a hooks module runs in the loader thread and needs no file of its own.
 */
const ESM_TYPESCRIPT_HOOK = `export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  return /\\.tsx?$/.test(new URL(r.url).pathname) && !r.url.includes('/node_modules/') ? { ...r, format: 'module' } : r;
}`;

/** Set by bin/distillery.mjs when it already registered tsx (running from the TypeScript sources). */
const TSX_REGISTERED = Symbol.for('distillery.tsx-registered');
let typescriptReady: Promise<void> | null = null;

/** Register tsx (loaded only now: a .js/.mjs pipeline never loads it) and the ES-module hook, once. */
function typescriptLoader(): Promise<void> {
  typescriptReady ??= (async () => {
    if (!(globalThis as Record<symbol, unknown>)[TSX_REGISTERED]) {
      const { register } = await import('tsx/esm/api');
      register();
      (globalThis as Record<symbol, unknown>)[TSX_REGISTERED] = true;
    }
    module.register(`data:text/javascript,${encodeURIComponent(ESM_TYPESCRIPT_HOOK)}`);
  })();
  return typescriptReady;
}

/** Import a pipeline file: .js/.mjs as Node does, TypeScript through tsx as an ES module. */
async function importPipelineModule(abs: string): Promise<unknown> {
  if (TYPESCRIPT.test(abs)) await typescriptLoader();
  return import(pathToFileURL(abs).href);
}
