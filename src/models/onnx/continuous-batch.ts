import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { ChatTokenizer } from './chat-tokenizer.ts';
import type { DecoderSession } from './decoder-session.ts';
import type { KvCache, RowSource } from './kv-cache.ts';
import { SamplingRules, Sequence, type RowRequest, type RowResult } from './sequence.ts';
import { checkAbort } from './static-batch.ts';
import { pickTokens, type PickCounts } from './token-picker.ts';

/** One generate() call: its rows' results, filled in as they finish. */
interface Job {
  results: (RowResult | undefined)[];
  remaining: number;
  signal?: AbortSignal;
  resolve(results: RowResult[]): void;
  reject(error: unknown): void;
  settled: boolean;
}

/** A prompt waiting for a prefill, with the rows (samples) that will share it. */
interface Group {
  job: Job;
  ids: readonly number[];
  rows: { index: number; seq: Sequence }[];
}

/** A sequence in a batch slot: how many KV columns it has (its last ones) and the token it feeds next. */
interface Occupant {
  job: Job;
  index: number;
  seq: Sequence;
  cols: number;
  next: number;
}

export interface BatcherStats extends PickCounts {
  steps: number;
  prefills: number;
  /** Re-layouts of the KV cache: rows written in place, and whole-cache rebuilds (compaction, growth, trim). */
  inPlaceJoins: number;
  rebuilds: number;
  /** Sum over decode steps of occupied slots, and of all slots (occupancy = busy / total). */
  busySlotSteps: number;
  slotSteps: number;
  /**
   * Milliseconds in decode steps (model runs), prefills, KV re-layouts, and picking the tokens after each decode
   * step (on the device or the host, plus the sequences' stop checks).
   */
  decodeMs: number;
  prefillMs: number;
  relayoutMs: number;
  pickMs: number;
}

// A hole (finished row, nobody waiting) stays in the batch until this share of it is holes; columns no row needs
// are trimmed once they are this share of the cache. Both cost a whole-cache copy, so they wait until it pays.
const COMPACT_SHARE = 0.25;
const TRIM_SHARE = 0.25;
const DEVICE_JOIN_SHARE = 0.25;
const TRIM_MIN = 16;

/**
 * Continuous batching over one decoder session: a fixed number of slots (rows of one KV cache); a sequence that
 * finishes frees its slot at once, and a waiting prompt is prefilled before the next decode step and its samples
 * take free slots in that step. The k samples of a prompt share its one prefill (its KV is copied into their
 * slots). Rows are right-aligned in the cache: a row's valid keys are its last `cols` columns, the rest is masked.
 * A newcomer's KV is written into the freed slot in place where the cache's shape allows (host caches); the whole
 * cache is rebuilt only to drop holes, grow for a longer prompt, or trim columns no row needs any more — on
 * webgpu that rebuild is a small graph run on the device, so the cache never comes to the host.
 *
 * Several generate() calls may be in flight: their rows share the slots, so one call's tail does not leave the
 * batch half empty while the next call waits.
 */
export class ContinuousBatcher {
  readonly stats: BatcherStats = {
    steps: 0, prefills: 0, inPlaceJoins: 0, rebuilds: 0, busySlotSteps: 0, slotSteps: 0, decodeMs: 0, prefillMs: 0, relayoutMs: 0, pickMs: 0,
    devicePicks: 0, hostPicks: 0,
  };
  private slots: (Occupant | null)[] = [];
  private cache: KvCache | null = null;
  private length = 0;
  private waiting: Group[] = [];
  private running = false;
  private scratch: Float32Array | null = null;

  constructor(
    private readonly session: DecoderSession,
    private readonly tokenizer: ChatTokenizer,
    readonly maxSlots: number,
  ) {
    if (!Number.isInteger(maxSlots) || maxSlots < 1) throw new Error(`onnx: slots must be a positive integer, got ${maxSlots}`);
  }

  /** Generate `requests` (rows naming their prompt and key); resolves when all of them are done. */
  generate(prompts: readonly number[][], requests: readonly RowRequest[], config: GenerationConfig, signal?: AbortSignal): Promise<RowResult[]> {
    checkAbort(signal);
    if (requests.length === 0) return Promise.resolve([]);
    const { spec } = this.session;
    const rules = new SamplingRules(config, spec.eosIds, this.tokenizer, spec.maxContext);
    return new Promise<RowResult[]>((resolve, reject) => {
      const job: Job = { results: new Array(requests.length), remaining: requests.length, signal, resolve, reject, settled: false };
      const byPrompt = new Map<number, Group['rows']>();
      requests.forEach((r, index) => {
        const rows = byPrompt.get(r.prompt) ?? [];
        rows.push({ index, seq: new Sequence(prompts[r.prompt].length, r, rules) });
        byPrompt.set(r.prompt, rows);
      });
      for (const [prompt, rows] of byPrompt) {
        // More samples than slots: each slot-sized share gets its own prefill.
        for (let i = 0; i < rows.length; i += this.maxSlots) this.waiting.push({ job, ids: prompts[prompt], rows: rows.slice(i, i + this.maxSlots) });
      }
      if (!this.running) {
        this.running = true;
        void this.run();
      }
    });
  }

  private occupied(): number {
    return this.slots.reduce((n, s) => n + (s ? 1 : 0), 0);
  }

  private async run(): Promise<void> {
    try {
      while (this.waiting.length > 0 || this.occupied() > 0) {
        this.dropAborted();
        await this.admit();
        if (this.occupied() > 0) await this.decode();
      }
    } catch (e) {
      const jobs = new Set([...this.waiting.map((g) => g.job), ...this.slots.flatMap((s) => (s ? [s.job] : []))]);
      for (const job of jobs) this.settle(job, e);
      this.waiting = [];
      this.slots = this.slots.map(() => null);
    } finally {
      // Nothing left: release the cache (no await between the loop's last check and here, so a call arriving
      // now starts a new loop).
      this.session.dispose(this.cache);
      this.cache = null;
      this.slots = [];
      this.length = 0;
      this.running = false;
    }
  }

  private settle(job: Job, error?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    if (error !== undefined) job.reject(error);
    else job.resolve(job.results as RowResult[]);
  }

  private complete(o: { job: Job; index: number; seq: Sequence }): void {
    o.job.results[o.index] = o.seq.done!;
    if (--o.job.remaining === 0) this.settle(o.job);
  }

  /** Calls whose signal fired are rejected at once; their rows leave the queue and the batch. */
  private dropAborted(): void {
    const aborted = (job: Job) => job.signal?.aborted === true;
    if (!this.waiting.some((g) => aborted(g.job)) && !this.slots.some((s) => s && aborted(s.job))) return;
    this.waiting = this.waiting.filter((g) => {
      if (!aborted(g.job)) return true;
      this.settle(g.job, abortReason(g.job.signal!));
      return false;
    });
    this.slots = this.slots.map((s) => {
      if (!s || !aborted(s.job)) return s;
      this.settle(s.job, abortReason(s.job.signal!));
      return null;
    });
  }

  private logitsScratch(vocab: number): Float32Array {
    if (this.scratch?.length !== vocab) this.scratch = new Float32Array(vocab);
    return this.scratch;
  }

  /** Prefill the waiting prompts that fit in the free slots (in order), then lay the cache out for the next step. */
  private async admit(): Promise<void> {
    let free = this.maxSlots - this.occupied();
    // On the device every join rebuilds the cache (a few whole-cache copies on the GPU): joins wait until a share
    // of the slots is free, so they come in groups. On the host a join is a copy of the new rows only.
    if (this.session.device === 'webgpu' && free < this.maxSlots && free < Math.ceil(this.maxSlots * DEVICE_JOIN_SHARE)) return this.relayout([], null);
    const taken: Group[] = [];
    while (this.waiting.length > 0 && this.waiting[0].rows.length <= free) {
      const g = this.waiting.shift()!;
      free -= g.rows.length;
      taken.push(g);
    }
    if (taken.length === 0) return this.relayout([], null);
    const { spec } = this.session;
    // One left-padded prefill for the admitted prompts; positions count real tokens only.
    const width = Math.max(...taken.map((g) => g.ids.length));
    const p = taken.length;
    const ids = new BigInt64Array(p * width).fill(BigInt(spec.padId));
    const mask = new BigInt64Array(p * width);
    const pos = new BigInt64Array(p * width);
    taken.forEach((g, i) => {
      const pad = width - g.ids.length;
      g.ids.forEach((t, j) => {
        ids[i * width + pad + j] = BigInt(t);
        mask[i * width + pad + j] = 1n;
        pos[i * width + pad + j] = BigInt(j);
      });
    });
    const t0 = performance.now();
    const prefill = await this.session.step(ids, pos, mask, p, this.session.emptyCache(p));
    this.stats.prefills++;
    this.stats.prefillMs += performance.now() - t0;
    const newcomers: { occupant: Occupant; fresh: number }[] = [];
    try {
      // Each sample picks its first token from its prompt's logits row with its own random stream.
      const rows = taken.flatMap((g, f) => g.rows.map((row) => ({ logitsRow: f, seq: row.seq })));
      const tokens = await pickTokens(this.session, prefill.logits, rows, this.logitsScratch(prefill.logits.dims[2]), this.stats);
      let r = 0;
      taken.forEach((g, f) => {
        for (const row of g.rows) {
          const token = tokens[r++];
          if (row.seq.done) this.complete({ job: g.job, ...row });
          else newcomers.push({ occupant: { job: g.job, index: row.index, seq: row.seq, cols: g.ids.length, next: token }, fresh: f });
        }
      });
    } catch (e) {
      this.session.dispose(prefill.present);
      throw e;
    } finally {
      this.session.disposeTensor(prefill.logits);
    }
    try {
      await this.relayout(newcomers, prefill.present);
    } finally {
      this.session.dispose(prefill.present);
    }
  }

  /**
   * Place newcomers (holes first, then new slots), drop holes once they are a quarter of the batch, and trim or
   * grow the columns to what the rows need; in place when only holes are refilled, otherwise one rebuild.
   */
  private async relayout(newcomers: { occupant: Occupant; fresh: number }[], fresh: KvCache | null): Promise<void> {
    const next: (Occupant | null)[] = [...this.slots];
    const sources: RowSource[] = next.map((_, row) => ({ from: 'cache', row }));
    for (const n of newcomers) {
      let at = next.indexOf(null);
      if (at < 0) at = next.push(null) - 1;
      next[at] = n.occupant;
      sources[at] = { from: 'fresh', row: n.fresh };
    }
    const holes = next.length - next.filter(Boolean).length;
    let keep = next.map((_, i) => i);
    // Holes are dropped only when nobody waits to fill them.
    if (holes > 0 && holes >= Math.ceil(next.length * COMPACT_SHARE) && this.waiting.length === 0) keep = keep.filter((i) => next[i]);
    const needed = Math.max(0, ...next.map((s) => (s ? s.cols : 0)));
    const wasted = this.length - needed;
    const length = needed > this.length || (wasted >= TRIM_MIN && wasted >= this.length * TRIM_SHARE) ? needed : this.length;
    if (keep.length === 0) {
      this.session.dispose(this.cache);
      [this.cache, this.slots, this.length] = [null, [], 0];
      return;
    }
    const unchanged = keep.length === this.slots.length && length === this.length && keep.every((i, j) => i === j && sources[i].from === 'cache');
    if (unchanged) return;
    const inPlace = keep.length === this.slots.length && length === this.length && this.cache !== null && this.session.device !== 'webgpu';
    const old = this.cache;
    const t0 = performance.now();
    const cache = await this.session.relayout(old, fresh, { rows: keep.map((i) => sources[i]), length });
    this.stats.relayoutMs += performance.now() - t0;
    if (inPlace) this.stats.inPlaceJoins++;
    else this.stats.rebuilds++;
    if (old && cache !== old && !old.every((t, i) => t === cache[i])) this.session.dispose(old);
    this.cache = cache;
    this.slots = keep.map((i) => next[i]);
    this.length = length;
  }

  /** One decode step over every slot; holes feed a pad token that attends only to itself (finite, unused). */
  private async decode(): Promise<void> {
    const { spec } = this.session;
    const b = this.slots.length;
    const past = this.length;
    const ids = new BigInt64Array(b).fill(BigInt(spec.padId));
    const pos = new BigInt64Array(b);
    const mask = new BigInt64Array(b * (past + 1));
    this.slots.forEach((s, i) => {
      const row = mask.subarray(i * (past + 1), (i + 1) * (past + 1));
      row[past] = 1n;
      if (!s) return;
      ids[i] = BigInt(s.next);
      pos[i] = BigInt(s.cols);
      row.fill(1n, past - s.cols);
    });
    const t0 = performance.now();
    const out = await this.session.step(ids, pos, mask, b, this.cache ?? this.session.emptyCache(b));
    const t1 = performance.now();
    this.stats.decodeMs += t1 - t0;
    this.session.dispose(this.cache);
    this.cache = out.present;
    this.length += 1;
    this.stats.steps++;
    this.stats.slotSteps += b;
    const busy = this.slots.flatMap((s, i) => (s ? [i] : []));
    let tokens: number[];
    try {
      tokens = await pickTokens(this.session, out.logits, busy.map((i) => ({ logitsRow: i, seq: this.slots[i]!.seq })), this.logitsScratch(out.logits.dims[2]), this.stats);
    } finally {
      this.session.disposeTensor(out.logits);
    }
    busy.forEach((i, j) => {
      const s = this.slots[i]!;
      this.stats.busySlotSteps++;
      s.cols += 1;
      s.next = tokens[j];
      if (s.seq.done) {
        this.complete(s);
        this.slots[i] = null;
      }
    });
    this.stats.pickMs += performance.now() - t1;
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException('generation aborted', 'AbortError');
}
