import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';

/** sha256 of a file's bytes, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
