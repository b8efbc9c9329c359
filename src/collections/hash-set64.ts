/**
 * A set of 64-bit hashes in two typed arrays (open addressing, linear probing, load ≤ 0.5): 16–32 bytes an entry
 * where a Set of short strings costs ~60–80 and lives on the JS heap the garbage collector walks. Keys are taken
 * from the first 8 bytes of a digest, so they are already uniformly spread.
 */
export class HashSet64 {
  private hi = new Uint32Array(1 << 10);
  private lo = new Uint32Array(1 << 10);
  private count = 0;

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  /** Whether the hash in `digest[0..8)` is in the set. */
  has(digest: Uint8Array): boolean {
    let hi = ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
    const lo = ((digest[4] << 24) | (digest[5] << 16) | (digest[6] << 8) | digest[7]) >>> 0;
    if (hi === 0 && lo === 0) hi = 0x80000000;
    const mask = this.hi.length - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const h = this.hi[slot];
      const l = this.lo[slot];
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
    }
  }

  /** Add the hash in `digest[0..8)`; false if it was already there. */
  add(digest: Uint8Array): boolean {
    let hi = ((digest[0] << 24) | (digest[1] << 16) | (digest[2] << 8) | digest[3]) >>> 0;
    const lo = ((digest[4] << 24) | (digest[5] << 16) | (digest[6] << 8) | digest[7]) >>> 0;
    // (0, 0) marks an empty slot; the one hash equal to it shares a slot with (1 << 31, 0) — a 2^-64 event.
    if (hi === 0 && lo === 0) hi = 0x80000000;
    if ((this.count + 1) * 2 > this.hi.length) this.grow();
    return this.insert(hi, lo);
  }

  private insert(hi: number, lo: number): boolean {
    const mask = this.hi.length - 1;
    for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
      const h = this.hi[slot];
      const l = this.lo[slot];
      if (h === 0 && l === 0) {
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        this.count++;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  private grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.count = 0;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.insert(hi[i], lo[i]);
  }
}
