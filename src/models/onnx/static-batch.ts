import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { ChatTokenizer } from './chat-tokenizer.ts';
import type { DecoderSession } from './decoder-session.ts';
import type { KvCache } from './kv-cache.ts';
import { SamplingRules, Sequence, type RowRequest, type RowResult } from './sequence.ts';
import { pickTokens, type PickCounts } from './token-picker.ts';

// Finished rows keep their cache slot until this share of the batch is done: copying the cache for every single
// finished row would cost more than the few wasted rows.
const COMPACT_SHARE = 0.25;

export function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('generation aborted', 'AbortError');
}

/**
 * Static batching (the sampler's first scheduler, kept as the reference the continuous scheduler is measured and
 * tested against): the prompts are prefilled once, in one left-padded batch; each prompt's KV cache is copied to
 * its rows, so k samples share one prefill; the batch then decodes until its last row ends, dropping finished rows
 * when a quarter of the batch is done. Each row draws from its own key-seeded random stream.
 */
export async function generateStatic(
  session: DecoderSession,
  tokenizer: ChatTokenizer,
  prompts: readonly number[][],
  requests: readonly RowRequest[],
  config: GenerationConfig,
  signal?: AbortSignal,
  counts: PickCounts = { devicePicks: 0, hostPicks: 0 },
): Promise<RowResult[]> {
  const { spec } = session;
  const rules = new SamplingRules(config, spec.eosIds, tokenizer, spec.maxContext);
  const width = Math.max(...prompts.map((p) => p.length));
  const maxNew = rules.maxNew(width);

  // Prefill: prompts left-padded to one width; positions count real tokens only.
  const p = prompts.length;
  const ids = new BigInt64Array(p * width).fill(BigInt(spec.padId));
  const mask = new BigInt64Array(p * width);
  const pos = new BigInt64Array(p * width);
  prompts.forEach((prompt, i) => {
    const pad = width - prompt.length;
    prompt.forEach((t, j) => {
      ids[i * width + pad + j] = BigInt(t);
      mask[i * width + pad + j] = 1n;
      pos[i * width + pad + j] = BigInt(j);
    });
  });
  checkAbort(signal);
  const prefill = await session.step(ids, pos, mask, p, session.emptyCache(p));
  const vocab = prefill.logits.dims[2];
  const scratch = new Float32Array(vocab);

  const rows = requests.map((r) => ({ prompt: r.prompt, seq: new Sequence(prompts[r.prompt].length, r, rules, maxNew) }));
  // Batch state: which rows occupy the cache slots, the cache.
  let active = rows.map((_, i) => i);
  let cache: KvCache | null = null;
  try {
    cache = await session.relayout(null, prefill.present, { rows: rows.map((r) => ({ from: 'fresh', row: r.prompt })), length: width });
    session.dispose(prefill.present);
    let stepLogits = prefill.logits;
    let logitsRow = (slot: number) => rows[active[slot]].prompt; // prefill logits are per prompt
    let pastLength = width;

    for (;;) {
      // Pick the next token of every unfinished row.
      const next = new Array<number>(active.length).fill(spec.padId);
      const picking = active.flatMap((r, slot) => (rows[r].seq.done ? [] : [slot]));
      try {
        const tokens = await pickTokens(session, stepLogits, picking.map((slot) => ({ logitsRow: logitsRow(slot), seq: rows[active[slot]].seq })), scratch, counts);
        picking.forEach((slot, j) => { next[slot] = tokens[j]; });
      } finally {
        session.disposeTensor(stepLogits);
      }
      const finished = active.filter((r) => rows[r].seq.done).length;
      if (finished === active.length) break;
      checkAbort(signal);

      // Drop finished rows from the batch once enough of them are done.
      let feed = active.map((_, slot) => slot);
      if (finished >= Math.max(1, Math.ceil(active.length * COMPACT_SHARE))) {
        feed = feed.filter((slot) => !rows[active[slot]].seq.done);
        const kept: KvCache = await session.relayout(cache, null, { rows: feed.map((row) => ({ from: 'cache', row })), length: pastLength });
        session.dispose(cache);
        cache = kept;
        active = feed.map((slot) => active[slot]);
      }
      const b = active.length;
      const stepIds = new BigInt64Array(b);
      const stepPos = new BigInt64Array(b);
      const stepMask = new BigInt64Array(b * (pastLength + 1));
      active.forEach((r, slot) => {
        const { seq } = rows[r];
        stepIds[slot] = BigInt(next[feed[slot]]);
        stepPos[slot] = BigInt(seq.promptLength + seq.generated.length - 1);
        const m = stepMask.subarray(slot * (pastLength + 1), (slot + 1) * (pastLength + 1));
        m.fill(1n, width - seq.promptLength); // left padding of the prompt stays masked
      });
      const out = await session.step(stepIds, stepPos, stepMask, b, cache);
      session.dispose(cache);
      cache = out.present;
      stepLogits = out.logits;
      logitsRow = (slot) => slot;
      pastLength += 1;
    }
  } finally {
    session.dispose(cache);
  }
  return rows.map((r) => r.seq.done as RowResult);
}
