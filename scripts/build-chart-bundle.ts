// `npm run build`, after tsc: the report's chart script bundled once (Observable Plot inlined) into
// dist/src/report/client/, which the installed package reads instead of running esbuild.
import { writeFileSync } from 'node:fs';
import { bundleChartScript, CHART_BUNDLE_FILE } from '../src/report/chart-bundle.ts';

const file = new URL(`../dist/src/report/client/${CHART_BUNDLE_FILE}`, import.meta.url);
const code = bundleChartScript();
writeFileSync(file, code);
console.log(`chart script: ${code.length} bytes → ${file.pathname}`);
