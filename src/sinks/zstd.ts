import { compress, decompress, init } from '@bokuweb/zstd-wasm';

let ready: Promise<void> | null = null;

/** Initialise zstd-wasm once per thread: a second init() resets its heap under live callers. */
export function zstdReady(): Promise<void> {
  ready ??= init();
  return ready;
}

export function zstdCompressor(level: number): (input: Uint8Array) => Uint8Array {
  return (input) => compress(input, level);
}

/** hyparquet decompressor; zstd-wasm needs the output size when the frame does not carry it, and pages know it. */
export function zstdDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  return decompress(input, { defaultHeapSize: Math.max(outputLength, 1) });
}
