import { compress, decompress, init } from '@bokuweb/zstd-wasm';

/** The zstd encoders the writers can use: libzstd built natively (a Node-API addon), or compiled to wasm. */
export type ZstdEncoder = 'native' | 'wasm';

interface NativeEncoder {
  encodeSync(data: Uint8Array): Uint8Array;
}
type NativeZstd = { Encoder: new (level: number) => NativeEncoder };

let ready: Promise<void> | null = null;
let native: NativeZstd | null = null;
let nativeError: string | null = null;

/**
 * Initialise zstd once per thread: the wasm module (a second init() resets its heap under live callers) and, where
 * its prebuilt addon exists for the platform, the native encoder (@toondepauw/node-zstd). Native libzstd compresses
 * CoT text in 0.5–0.75× the wasm build's time, to frames of the same size within 20 B a 1 MB page (its streaming
 * frames do not carry the content size; Parquet pages do; docs/sinks.md, "Writer CPU"). Where the addon cannot load,
 * the writers use the wasm encoder: the shards are the same format either way, and ShardWritten.zstd says which ran.
 */
export function zstdReady(): Promise<void> {
  ready ??= Promise.all([
    init(),
    import('@toondepauw/node-zstd').then(
      (m) => void (native = ((m as { default?: NativeZstd }).default ?? m) as NativeZstd),
      (e: Error) => void (nativeError = e.message),
    ),
  ]).then(() => {});
  return ready;
}

/** The encoder `zstdCompressor` uses by default in this thread (after zstdReady), and why native is not, if not. */
export function zstdEncoderAvailable(): { encoder: ZstdEncoder; nativeError: string | null } {
  return { encoder: native ? 'native' : 'wasm', nativeError };
}

/** hyparquet-writer compressor at `level`; native where it loaded (call zstdReady first), else wasm. */
export function zstdCompressor(level: number, encoder: ZstdEncoder = native ? 'native' : 'wasm'): (input: Uint8Array) => Uint8Array {
  if (encoder === 'wasm') return (input) => compress(input, level);
  if (!native) throw new Error(`the native zstd encoder is not loaded (${nativeError ?? 'call zstdReady() first'})`);
  const e = new native.Encoder(level);
  return (input) => e.encodeSync(input);
}

/** hyparquet decompressor; zstd-wasm needs the output size when the frame does not carry it, and pages know it. */
export function zstdDecompress(input: Uint8Array, outputLength: number): Uint8Array {
  return decompress(input, { defaultHeapSize: Math.max(outputLength, 1) });
}
