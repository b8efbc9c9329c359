// Worker entry: Node 20 neither passes the parent's tsx hooks to worker threads nor honours `--import` in a
// worker's execArgv, so register tsx here, then load the TypeScript worker named in workerData.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
