import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/** The built bundle's file name beside the compiled module in dist/ (written by `npm run build`). */
export const CHART_BUNDLE_FILE = 'draw-charts.bundle.js';

/**
 * The page's chart script: src/report/client/draw-charts.ts with Observable Plot (and the parts of d3 it uses),
 * bundled by esbuild into one minified IIFE to inline (~300 kB; why Plot: docs/report.md). The installed package
 * reads the bundle that `npm run build` wrote into dist/ (no esbuild at run time); a checkout bundles the sources
 * once a process, so an edited chart script shows at once.
 */
export function chartBundle(): string {
  if (cached !== null) return cached;
  cached = import.meta.url.endsWith('.js')
    ? readFileSync(new URL(`./client/${CHART_BUNDLE_FILE}`, import.meta.url), 'utf8')
    : bundleChartScript();
  return cached;
}

/** Bundle the chart script from its TypeScript sources (esbuild and Plot are build-time dependencies). */
export function bundleChartScript(): string {
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
  return result.outputFiles[0].text;
}
