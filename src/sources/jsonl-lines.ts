import { createReadStream } from 'node:fs';

/** One line of a file as bytes (without the newline), with its 1-based number and byte offset. */
export interface ByteLine {
  line: number;
  offset: number;
  bytes: Buffer;
}

/**
 * Split a file into lines as raw bytes, so each line can be checked for valid UTF-8 on its own (a decoding
 * stream would silently replace bad bytes). A final empty line after the last newline is not a line.
 * Lines longer than `maxBytes` are yielded truncated to `maxBytes + 1` bytes with `truncated` set, so one huge
 * line never has to be held in memory.
 */
export async function* byteLines(file: string, maxBytes = Infinity): AsyncGenerator<ByteLine & { truncated: boolean; length: number }> {
  let parts: Buffer[] = [];
  let held = 0;
  let length = 0;
  let line = 1;
  let offset = 0;
  let lineStart = 0;
  const emit = () => {
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d && length <= maxBytes) bytes = bytes.subarray(0, bytes.length - 1);
    const out = { line, offset: lineStart, bytes, truncated: length > maxBytes, length };
    parts = [];
    held = 0;
    length = 0;
    return out;
  };
  const keep = (b: Buffer) => {
    length += b.length;
    if (held > maxBytes) return;
    const room = Number.isFinite(maxBytes) ? maxBytes + 1 - held : b.length;
    const piece = b.length > room ? b.subarray(0, room) : b;
    parts.push(piece);
    held += piece.length;
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      keep(chunk.subarray(start, nl));
      yield emit();
      offset += nl + 1 - start;
      start = nl + 1;
      line++;
      lineStart = offset;
    }
    if (start < chunk.length) {
      // Copy: the stream may reuse its buffer.
      keep(Buffer.from(chunk.subarray(start)));
      offset += chunk.length - start;
    }
  }
  if (length > 0) yield emit();
}
