import { createHash } from 'node:crypto';
import { HashSet64 } from './hash-set64.ts';

/**
 * A set of prompt ids as 64-bit hashes (sha256 prefix) in typed arrays: 8–16 bytes an id instead of ~60 for a Set of
 * strings. Exact dedupe keeps every id it has seen in one; a resumed build, the ids already done (~400k at half of an
 * 800k build). Two different ids share a hash with probability ~n²/2^65 (≈ 2·10⁻⁸ for 800k).
 */
export class PromptIdSet {
  private readonly hashes = new HashSet64();

  get size(): number {
    return this.hashes.size;
  }

  get bytes(): number {
    return this.hashes.bytes;
  }

  /** False if the id was already there. */
  add(id: string): boolean {
    return this.hashes.add(createHash('sha256').update(id).digest());
  }

  has(id: string): boolean {
    return this.hashes.has(createHash('sha256').update(id).digest());
  }
}
