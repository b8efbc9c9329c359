import type { Language } from './extract-program.ts';

/** Resource limits of one run. Every run gets all of them, in the sandbox and in rlimit-only mode. */
export interface RunLimits {
  /** Wall-clock limit; the whole process group is killed when it passes. */
  timeoutMs: number;
  /** RLIMIT_CPU (soft; the hard limit is one second more, so the kernel sends SIGXCPU then SIGKILL). */
  cpuSeconds: number;
  /** Memory a program may use: RLIMIT_AS (plus V8's reservation for JavaScript, see addressSpaceBytes), RLIMIT_DATA for Python, V8's heap limit for JavaScript. */
  memoryBytes: number;
  /** RLIMIT_NPROC: processes/threads (counted in the sandbox's own user namespace). */
  maxProcesses: number;
  /** RLIMIT_FSIZE, and the size of the sandbox's private /tmp. */
  maxFileBytes: number;
  /** RLIMIT_NOFILE. */
  maxOpenFiles: number;
  /** stdout bytes kept; a program printing more is killed with outcome `output_limit`. */
  maxOutputBytes: number;
}

export const DEFAULT_LIMITS: RunLimits = {
  timeoutMs: 10_000,
  cpuSeconds: 10,
  memoryBytes: 1024 * 1024 * 1024,
  maxProcesses: 64,
  maxFileBytes: 16 * 1024 * 1024,
  maxOpenFiles: 256,
  maxOutputBytes: 4 * 1024 * 1024,
};

// V8 reserves virtual address space it never touches (code range, pointer-compression cage): node does not
// start under an address-space limit below ~1 GiB, so JavaScript gets this much on top of memoryBytes; the
// heap itself is held by --max-old-space-size.
const V8_RESERVATION_BYTES = 2 * 1024 * 1024 * 1024;

export function addressSpaceBytes(language: Language, limits: RunLimits): number {
  return limits.memoryBytes + (language === 'javascript' ? V8_RESERVATION_BYTES : 0);
}

/** `prlimit` (util-linux) options that set the limits on the process it then executes. */
export function prlimitArgs(language: Language, limits: RunLimits): string[] {
  return [
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--as=${addressSpaceBytes(language, limits)}`,
    // node commits its own arenas as private data well past its heap: for JavaScript the heap is held by
    // --max-old-space-size and everything else by the address-space limit.
    ...(language === 'python' ? [`--data=${limits.memoryBytes}`] : []),
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileBytes}`,
    `--nofile=${limits.maxOpenFiles}`,
    '--core=0',
  ];
}

/** Interpreter flags that keep a language inside the limits and out of the host's caches. */
export function interpreterFlags(language: Language, limits: RunLimits): string[] {
  if (language === 'javascript') return [`--max-old-space-size=${Math.max(16, Math.floor(limits.memoryBytes / (1024 * 1024)))}`];
  return ['-B']; // no .pyc files
}
