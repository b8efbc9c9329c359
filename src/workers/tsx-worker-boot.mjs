// Fallback worker entry (see worker-bundle.ts), used when a worker's TypeScript could not be bundled to plain JS:
// Node 20 neither passes the parent's tsx hooks to worker threads nor honours `--import` in a worker's execArgv,
// so register tsx here (it runs its own loader-hooks thread), then load the TypeScript entry named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
