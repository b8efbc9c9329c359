#!/usr/bin/env node
// Runs the TypeScript CLI through tsx: pipelines are TypeScript files users write, so the loader is needed at
// run time anyway, and there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
