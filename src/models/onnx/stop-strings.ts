/**
 * Text of a growing token sequence, decoded incrementally (vLLM's detokenizer in spirit): each step decodes only
 * the last few ids, from the previous read offset, instead of the whole row again. Text that ends in an
 * incomplete UTF-8 character (U+FFFD) is held back until the next token completes it.
 */
export class IncrementalText {
  text = '';
  private prefixOffset = 0;
  private readOffset = 0;

  constructor(private readonly decode: (ids: readonly number[]) => string) {}

  /** Take in `ids` (the whole sequence so far, grown by one or more ids); returns the text it added. */
  update(ids: readonly number[]): string {
    const prefix = this.decode(ids.slice(this.prefixOffset, this.readOffset));
    const full = this.decode(ids.slice(this.prefixOffset));
    if (full.length <= prefix.length || full.endsWith('\uFFFD')) return '';
    const delta = full.slice(prefix.length);
    this.text += delta;
    this.prefixOffset = this.readOffset;
    this.readOffset = ids.length;
    return delta;
  }
}

/** Where the earliest of `stops` occurs in `text` at or after `from` (-1 and '' when none). */
export function firstStop(text: string, stops: readonly string[], from = 0): { at: number; stop: string } {
  let at = -1;
  let stop = '';
  for (const s of stops) {
    const i = text.indexOf(s, from);
    if (i >= 0 && (at < 0 || i < at)) [at, stop] = [i, s];
  }
  return { at, stop };
}

/**
 * Stop strings matched as the text grows: only the new text and the few characters before it that a stop string
 * could straddle are searched, so a row costs O(n) over its life instead of O(n²).
 */
export class StopMatcher {
  private readonly longest: number;

  constructor(private readonly stops: readonly string[]) {
    this.longest = Math.max(0, ...stops.map((s) => s.length));
  }

  /** The stop string the text now contains, if any, given that `added` characters were just appended. */
  check(text: string, added: number): { at: number; stop: string } | null {
    if (added === 0 || this.stops.length === 0) return null;
    const hit = firstStop(text, this.stops, Math.max(0, text.length - added - this.longest + 1));
    return hit.at >= 0 ? hit : null;
  }
}
