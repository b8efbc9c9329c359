#!/usr/bin/env node
// The `distillery` command. Installed, it runs the compiled package (dist/): plain Node, no TypeScript loader
// unless a pipeline file is TypeScript (then loadPipeline registers tsx for that file). In a checkout of the
// repository (src/ beside bin/), it runs the TypeScript sources through tsx, so there is no build step to forget;
// the repository's tsconfig maps 'distillery' to src/index.ts for its own pipelines.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let main;
if (existsSync(source) && !process.env.DISTILLERY_USE_DIST) {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
  globalThis[Symbol.for('distillery.tsx-registered')] = true;
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/src/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
