/**
 * Worker for test/workers.bundle.test.ts: reports its execArgv, whether it can import a .ts module (only with tsx's
 * loader), and that a package loading a file next to itself (zstd-wasm's .wasm) works from where it was started.
 */
import { parentPort } from 'node:worker_threads';
import { zstdCompressor, zstdDecompress, zstdReady } from '../../src/sinks/zstd.ts';

export interface ProbeReply {
  execArgv: string[];
  tsImport: string;
  roundTrip: string;
}

parentPort!.on('message', async (msg: { tsModule: string }) => {
  let tsImport = 'ok';
  try {
    await import(msg.tsModule);
  } catch (e) {
    tsImport = (e as NodeJS.ErrnoException).code ?? String(e);
  }
  await zstdReady();
  const input = new TextEncoder().encode('plain plain plain plain plain');
  const roundTrip = new TextDecoder().decode(zstdDecompress(zstdCompressor(3)(input), input.length));
  parentPort!.postMessage({ execArgv: process.execArgv, tsImport, roundTrip } satisfies ProbeReply);
});
