import v8 from 'node:v8';

/**
 * How much V8 lets the heap grow past what survived the last full GC, in percent. V8's own factor (up to 4× for a
 * fast-allocating process) let the scale build's main heap reach ~650 MB for ~150 MB live: sample texts outlive a
 * scavenge while their chunk fills, so they die in the old generation. At 30 % the heap stays near the live set
 * (peak RSS 1.4–1.5 GB → ~0.9 GB on the 6k-example scale build) for no measurable loss of throughput.
 */
export const HEAP_GROWING_PERCENT = 30;

/**
 * Bounds heap growth for the whole process (V8 flags are process-wide and read at each GC, so worker threads
 * started later follow too). A value the user gave on the command line or in NODE_OPTIONS wins.
 */
export function boundHeapGrowth(): void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('heap-growing-percent') || a.includes('heap_growing_percent'));
  if (!given) v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
