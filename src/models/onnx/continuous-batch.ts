import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { ChatTokenizer } from './chat-tokenizer.ts';
import type { DecoderSession } from './decoder-session.ts';
import { gatherOnHost, type KvCache, type RowSource } from './kv-cache.ts';
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

/** A newcomer after its prompt's prefill: its occupant and its prompt's row in the prefill's cache. */
interface Newcomer {
  occupant: Occupant;
  fresh: number;
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
  /** Decode steps (every sequence in the batch gets one token) and the model runs they took (one per lane). */
  steps: number;
  decodeRuns: number;
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
 * On the host (cpu, cuda) a decode step costs, per model run, a fixed part plus a part per row and KV column (the
 * Optimum graphs concatenate and, for grouped KV heads, tile the whole cache each step). Measured on the bundled
 * model with one onnxruntime thread (docs/model.md): ~0.85 ms of CPU a run, ~1–1.4 µs a row-column; so a run costs
 * as much as ~640 row-columns. Rows of one cache share its past length: a row with a short prompt next to a long one pays
 * the long one's columns. So the host splits the slots into lanes of rows of similar lengths, each its own cache
 * and run, choosing the split that minimises runs × HOST_RUN_COST + Σ rows × length.
 */
export const HOST_RUN_COST = 640;
/** At most this many rows a lane on the host: past ~32 rows × 200 columns a row-column costs ~2× more (CPU caches). */
export const HOST_LANE_ROWS = 32;
/** The lanes are regrouped when their cost exceeds the best split's by this share (a regroup copies the caches). */
const REGROUP_SHARE = 0.1;

/**
 * One KV cache and the rows (slots) in it: rows of a lane share one past length (the Optimum graphs take one
 * for the whole batch) and are decoded by one model run a step.
 */
class Lane {
  slots: (Occupant | null)[] = [];
  cache: KvCache | null = null;
  length = 0;

  occupied(): number {
    return this.slots.reduce((n, s) => n + (s ? 1 : 0), 0);
  }
}

/** A host step's cost of a lane of `rows` rows and `length` columns, in row-columns (see HOST_RUN_COST). */
const laneCost = (rows: number, length: number) => (rows === 0 ? 0 : HOST_RUN_COST + rows * length);

/**
 * The split of rows (their column counts, longest first) into contiguous lanes of at most `cap` rows that
 * minimises Σ laneCost (dynamic programming over the sorted rows: each lane pays its first row's length).
 */
export function bestSplit(colsDesc: readonly number[], cap: number): { cost: number; ends: number[] } {
  const n = colsDesc.length;
  const best = new Float64Array(n + 1).fill(Infinity);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    for (let i = Math.max(1, j - cap + 1); i <= j; i++) {
      const c = best[i - 1] + laneCost(j - i + 1, colsDesc[i - 1]);
      if (c < best[j]) [best[j], from[j]] = [c, i - 1];
    }
  }
  const ends: number[] = [];
  for (let j = n; j > 0; j = from[j]) ends.unshift(j);
  return { cost: best[n], ends };
}

/**
 * Continuous batching over one decoder session: a fixed number of slots; a sequence that finishes frees its slot
 * at once, and a waiting prompt is prefilled before the next decode step and its samples take free slots in that
 * step. The k samples of a prompt share its one prefill (its KV is copied into their slots). Rows are
 * right-aligned in the cache: a row's valid keys are its last `cols` columns, the rest is masked. A newcomer's KV
 * is written into the freed slot in place where the cache's shape allows (host caches); the whole cache is rebuilt
 * only to drop holes, grow for a longer prompt, or trim columns no row needs any more — on webgpu that rebuild is
 * a small graph run on the device, so the cache never comes to the host.
 *
 * The slots are split into lanes of at most `laneRows` rows, each with its own cache and its own model run a step
 * (on a GPU one lane holds every slot: a step costs nearly the same for 8 or 128 rows; on a CPU a step's cost is
 * per row and column, so small caches of rows of similar ages are cheaper). Newcomers go to the lane with room
 * whose past length is the shortest, so rows that start together age together.
 *
 * Several generate() calls may be in flight: their rows share the slots, so one call's tail does not leave the
 * batch half empty while the next call waits.
 */
export class ContinuousBatcher {
  readonly stats: BatcherStats = {
    steps: 0, decodeRuns: 0, prefills: 0, inPlaceJoins: 0, rebuilds: 0, busySlotSteps: 0, slotSteps: 0, decodeMs: 0, prefillMs: 0, relayoutMs: 0, pickMs: 0,
    devicePicks: 0, hostPicks: 0,
  };
  readonly laneRows: number;
  private lanes: Lane[] = [];
  /** Host: a row finished since the lanes were last weighed against the best split. */
  private changed = false;
  private waiting: Group[] = [];
  private running = false;
  private scratch: Float32Array | null = null;

  constructor(
    private readonly session: DecoderSession,
    private readonly tokenizer: ChatTokenizer,
    readonly maxSlots: number,
    laneRows?: number,
  ) {
    if (!Number.isInteger(maxSlots) || maxSlots < 1) throw new Error(`onnx: slots must be a positive integer, got ${maxSlots}`);
    if (laneRows !== undefined && (!Number.isInteger(laneRows) || laneRows < 1)) throw new Error(`onnx: laneRows must be a positive integer, got ${laneRows}`);
    this.laneRows = Math.min(maxSlots, laneRows ?? (session.device === 'webgpu' ? maxSlots : HOST_LANE_ROWS));
    if (session.device === 'webgpu' && this.laneRows !== maxSlots) throw new Error('onnx: on webgpu every slot is in one lane (laneRows = slots)');
    this.lanes = this.onDevice ? [new Lane()] : [];
  }

  /** webgpu: one lane, re-laid out on the device. The host regroups rows into lanes. */
  private get onDevice(): boolean {
    return this.session.device === 'webgpu';
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
    return this.lanes.reduce((n, lane) => n + lane.occupied(), 0);
  }

  private async run(): Promise<void> {
    try {
      while (this.waiting.length > 0 || this.occupied() > 0) {
        this.dropAborted();
        await this.admit();
        let decoded = false;
        for (const lane of this.lanes) {
          if (lane.occupied() === 0) continue;
          await this.decode(lane);
          decoded = true;
        }
        if (decoded) this.stats.steps++;
      }
    } catch (e) {
      const jobs = new Set([...this.waiting.map((g) => g.job), ...this.lanes.flatMap((lane) => lane.slots.flatMap((s) => (s ? [s.job] : [])))]);
      for (const job of jobs) this.settle(job, e);
      this.waiting = [];
    } finally {
      // Nothing left: release the caches (no await between the loop's last check and here, so a call arriving
      // now starts a new loop).
      for (const lane of this.lanes) this.session.dispose(lane.cache);
      this.lanes = this.onDevice ? [new Lane()] : [];
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
    if (!this.waiting.some((g) => aborted(g.job)) && !this.lanes.some((lane) => lane.slots.some((s) => s && aborted(s.job)))) return;
    this.waiting = this.waiting.filter((g) => {
      if (!aborted(g.job)) return true;
      this.settle(g.job, abortReason(g.job.signal!));
      return false;
    });
    for (const lane of this.lanes) {
      lane.slots = lane.slots.map((s) => {
        if (!s || !aborted(s.job)) return s;
        this.settle(s.job, abortReason(s.job.signal!));
        return null;
      });
    }
  }

  private logitsScratch(vocab: number): Float32Array {
    if (this.scratch?.length !== vocab) this.scratch = new Float32Array(vocab);
    return this.scratch;
  }

  /** Prefill the waiting prompts that fit in the free slots (in order), then lay the caches out for the next step. */
  private async admit(): Promise<void> {
    let free = this.maxSlots - this.occupied();
    const relayoutAll = () => this.layOut([], null);
    // On the device every join rebuilds the cache (a few whole-cache copies on the GPU): joins wait until a share
    // of the slots is free, so they come in groups. On the host a join is a copy of the new rows only.
    if (this.session.device === 'webgpu' && free < this.maxSlots && free < Math.ceil(this.maxSlots * DEVICE_JOIN_SHARE)) return relayoutAll();
    const taken: Group[] = [];
    while (this.waiting.length > 0 && this.waiting[0].rows.length <= free) {
      const g = this.waiting.shift()!;
      free -= g.rows.length;
      taken.push(g);
    }
    if (taken.length === 0) return relayoutAll();
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
    const newcomers: Newcomer[] = [];
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
      await this.layOut(newcomers, prefill.present);
    } finally {
      this.session.dispose(prefill.present);
    }
  }

  /** Lay the lanes out for the next step, with the newcomers (whose KV is in `fresh`) placed. */
  private async layOut(newcomers: Newcomer[], fresh: KvCache | null): Promise<void> {
    if (this.onDevice) return this.relayout(this.lanes[0], newcomers, fresh);
    this.lanes = this.lanes.filter((lane) => lane.occupied() > 0);
    if (newcomers.length === 0 && !this.changed) {
      for (const lane of this.lanes) await this.relayout(lane, [], null);
      return;
    }
    this.changed = false;
    // Rows, longest first (ties: as they are now, so an unchanged lane stays together), and the best split.
    const rows = [
      ...this.lanes.flatMap((lane, l) => lane.slots.flatMap((occupant, row) => (occupant ? [{ occupant, source: { cache: lane.cache!, row }, lane: l }] : []))),
      ...newcomers.map((n) => ({ occupant: n.occupant, source: { cache: fresh!, row: n.fresh }, lane: -1 })),
    ].sort((a, b) => b.occupant.cols - a.occupant.cols);
    const split = bestSplit(rows.map((r) => r.occupant.cols), this.laneRows);
    // The layout without a regroup: newcomers into holes of lanes long enough (the shortest such lane first,
    // written in place), the rest into one new lane.
    const holes = this.lanes.map((lane) => lane.slots.length - lane.occupied());
    const into: Newcomer[][] = this.lanes.map(() => []);
    const left: Newcomer[] = [];
    for (const n of [...newcomers].sort((a, b) => b.occupant.cols - a.occupant.cols)) {
      let at = -1;
      this.lanes.forEach((lane, l) => {
        if (holes[l] > 0 && lane.length >= n.occupant.cols && (at < 0 || lane.length < this.lanes[at].length)) at = l;
      });
      if (at < 0) left.push(n);
      else {
        into[at].push(n);
        holes[at]--;
      }
    }
    const keepCost =
      this.lanes.reduce((c, lane) => c + laneCost(lane.slots.length, lane.length), 0) + laneCost(left.length, Math.max(0, ...left.map((n) => n.occupant.cols)));
    if (keepCost <= split.cost * (1 + REGROUP_SHARE) && left.length <= this.laneRows) {
      for (let l = 0; l < this.lanes.length; l++) await this.relayout(this.lanes[l], into[l], into[l].length > 0 ? fresh : null);
      if (left.length > 0) {
        const lane = new Lane();
        await this.relayout(lane, left, fresh);
        this.lanes.push(lane);
      }
      return;
    }
    // Regroup: each lane of the best split gathers its rows (copies on the host) at its longest row's length.
    const t0 = performance.now();
    const lanes: Lane[] = [];
    let start = 0;
    for (const end of split.ends) {
      const group = rows.slice(start, end);
      start = end;
      const lane = new Lane();
      lane.length = group[0].occupant.cols;
      lane.slots = group.map((r) => r.occupant);
      lane.cache = gatherOnHost(group.map((r) => r.source), lane.length);
      lanes.push(lane);
      this.stats.rebuilds++;
    }
    this.stats.relayoutMs += performance.now() - t0;
    this.lanes = lanes;
  }

  /**
   * Place a lane's newcomers (holes first, then new slots), drop holes once they are a quarter of the lane, and
   * trim or grow the columns to what the rows need; in place when only holes are refilled, otherwise one rebuild.
   */
  private async relayout(lane: Lane, newcomers: Newcomer[], fresh: KvCache | null): Promise<void> {
    const next: (Occupant | null)[] = [...lane.slots];
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
    const wasted = lane.length - needed;
    const length = needed > lane.length || (wasted >= TRIM_MIN && wasted >= lane.length * TRIM_SHARE) ? needed : lane.length;
    if (keep.length === 0 || needed === 0) {
      this.session.dispose(lane.cache);
      [lane.cache, lane.slots, lane.length] = [null, [], 0];
      return;
    }
    const unchanged = keep.length === lane.slots.length && length === lane.length && keep.every((i, j) => i === j && sources[i].from === 'cache');
    if (unchanged) return;
    const inPlace = keep.length === lane.slots.length && length === lane.length && lane.cache !== null && this.session.device !== 'webgpu';
    const old = lane.cache;
    const t0 = performance.now();
    const cache = await this.session.relayout(old, fresh, { rows: keep.map((i) => sources[i]), length });
    this.stats.relayoutMs += performance.now() - t0;
    if (inPlace) this.stats.inPlaceJoins++;
    else this.stats.rebuilds++;
    if (old && cache !== old && !old.every((t, i) => t === cache[i])) this.session.dispose(old);
    lane.cache = cache;
    lane.slots = keep.map((i) => next[i]);
    lane.length = length;
  }

  /** One decode step over a lane's slots; holes feed a pad token that attends only to itself (finite, unused). */
  private async decode(lane: Lane): Promise<void> {
    const { spec } = this.session;
    const b = lane.slots.length;
    const past = lane.length;
    const ids = new BigInt64Array(b).fill(BigInt(spec.padId));
    const pos = new BigInt64Array(b);
    const mask = new BigInt64Array(b * (past + 1));
    lane.slots.forEach((s, i) => {
      const row = mask.subarray(i * (past + 1), (i + 1) * (past + 1));
      row[past] = 1n;
      if (!s) return;
      ids[i] = BigInt(s.next);
      pos[i] = BigInt(s.cols);
      row.fill(1n, past - s.cols);
    });
    const t0 = performance.now();
    const out = await this.session.step(ids, pos, mask, b, lane.cache ?? this.session.emptyCache(b));
    const t1 = performance.now();
    this.stats.decodeMs += t1 - t0;
    this.session.dispose(lane.cache);
    lane.cache = out.present;
    lane.length += 1;
    this.stats.decodeRuns++;
    this.stats.slotSteps += b;
    const busy = lane.slots.flatMap((s, i) => (s ? [i] : []));
    let tokens: number[];
    try {
      tokens = await pickTokens(this.session, out.logits, busy.map((i) => ({ logitsRow: i, seq: lane.slots[i]!.seq })), this.logitsScratch(out.logits.dims[2]), this.stats);
    } finally {
      this.session.disposeTensor(out.logits);
    }
    busy.forEach((i, j) => {
      const s = lane.slots[i]!;
      this.stats.busySlotSteps++;
      s.cols += 1;
      s.next = tokens[j];
      if (s.seq.done) {
        this.complete(s);
        lane.slots[i] = null;
        this.changed = true;
      }
    });
    this.stats.pickMs += performance.now() - t1;
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new DOMException('generation aborted', 'AbortError');
}
