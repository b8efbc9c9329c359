import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * The page's chart script: src/report/client/draw-charts.ts with Observable Plot (and the parts of d3 it uses),
 * bundled by esbuild into one minified IIFE to inline (~300 kB; why Plot: docs/report.md). Built once a process.
 */
export function chartBundle(): string {
  if (cached !== null) return cached;
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const result = esbuild.buildSync({
    entryPoints: [fileURLToPath(new URL('./client/draw-charts.ts', import.meta.url))],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  cached = result.outputFiles[0].text;
  return cached;
}
