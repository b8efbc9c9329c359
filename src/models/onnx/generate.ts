import type { GenerationConfig } from '../../../schemas/generation.ts';
import type { FinishReason } from '../../../schemas/sample.ts';
import type { ChatTokenizer } from './chat-tokenizer.ts';
import type { DecoderSession } from './decoder-session.ts';
import { selectRows, type KvCache } from './kv-cache.ts';
import { greedyToken, logitsProcessors, sampleToken } from './logits/index.ts';
import { SampleRng } from './rng.ts';

/** One sequence to generate: which prompt (index into the prompts) and the key its random stream comes from. */
export interface RowRequest {
  prompt: number;
  key: string;
}

export interface RowResult {
  text: string;
  finishReason: Exclude<FinishReason, 'error'>;
  completionTokens: number;
  /** Every generated token id, the EOS included when it ended the row. */
  tokenIds: number[];
}

interface Row {
  prompt: number;
  promptLength: number;
  rng: SampleRng;
  generated: number[];
  done: RowResult | null;
}

// Finished rows keep their cache slot until this share of the batch is done: copying the cache for every single
// finished row would cost more than the few wasted rows.
const COMPACT_SHARE = 0.25;

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('generation aborted', 'AbortError');
}

/**
 * Generate completions for `rows` sampled from `prompts` (token ids). The prompts are prefilled once, in one
 * left-padded batch; each prompt's KV cache is then copied to its rows, so k samples share one prefill.
 * Each row draws from its own key-seeded random stream and runs its own sampling rules.
 */
export async function generateRows(
  session: DecoderSession,
  tokenizer: ChatTokenizer,
  prompts: readonly number[][],
  requests: readonly RowRequest[],
  config: GenerationConfig,
  signal?: AbortSignal,
): Promise<RowResult[]> {
  const { spec } = session;
  const eos = new Set(spec.eosIds);
  const processors = logitsProcessors(config);
  const width = Math.max(...prompts.map((p) => p.length));
  const maxNew = spec.maxContext === null ? config.maxTokens : Math.min(config.maxTokens, spec.maxContext - width);

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

  const rows: Row[] = requests.map((r) => ({ prompt: r.prompt, promptLength: prompts[r.prompt].length, rng: new SampleRng(r.key), generated: [], done: null }));
  // Batch state: which rows occupy the cache slots, their attention masks (prompt part), the cache.
  let active = rows.map((_, i) => i);
  let cache: KvCache = selectRows(prefill.present, rows.map((r) => r.prompt));
  let stepLogits = prefill.logits;
  let logitsRow = (slot: number) => rows[active[slot]].prompt; // prefill logits are per prompt
  let logitsPos = width - 1;
  let pastLength = width;

  const finish = (row: Row, reason: RowResult['finishReason'], cut?: number) => {
    const text = tokenizer.decode(row.generated.filter((t) => !eos.has(t)));
    row.done = { text: cut === undefined ? text : text.slice(0, cut), finishReason: reason, completionTokens: row.generated.length, tokenIds: row.generated };
  };

  for (let step = 0; ; step++) {
    // Pick the next token of every unfinished row.
    const next = new Array<number>(active.length).fill(spec.padId);
    active.forEach((r, slot) => {
      const row = rows[r];
      if (row.done) return;
      const logits = session.logitsAt(stepLogits, logitsRow(slot), logitsPos, scratch);
      for (const proc of processors) proc.apply(logits, row.generated);
      const token = config.temperature === 0 ? greedyToken(logits) : sampleToken(logits, row.rng.next());
      row.generated.push(token);
      next[slot] = token;
      if (eos.has(token)) return finish(row, 'stop');
      if (config.stop.length) {
        const text = tokenizer.decode(row.generated);
        const hits = config.stop.map((s) => text.indexOf(s)).filter((i) => i >= 0);
        if (hits.length) return finish(row, 'stop', Math.min(...hits));
      }
      if (row.generated.length >= maxNew) finish(row, 'length');
    });
    const finished = active.filter((r) => rows[r].done).length;
    if (finished === active.length) break;
    checkAbort(signal);

    // Drop finished rows from the batch once enough of them are done.
    let feed = active.map((_, slot) => slot);
    if (finished >= Math.max(1, Math.ceil(active.length * COMPACT_SHARE))) {
      feed = feed.filter((slot) => !rows[active[slot]].done);
      cache = selectRows(cache, feed);
      active = feed.map((slot) => active[slot]);
    }
    const b = active.length;
    const stepIds = new BigInt64Array(b);
    const stepPos = new BigInt64Array(b);
    const stepMask = new BigInt64Array(b * (pastLength + 1));
    active.forEach((r, slot) => {
      const row = rows[r];
      stepIds[slot] = BigInt(next[feed[slot]]);
      stepPos[slot] = BigInt(row.promptLength + row.generated.length - 1);
      const m = stepMask.subarray(slot * (pastLength + 1), (slot + 1) * (pastLength + 1));
      m.fill(1n, width - row.promptLength); // left padding of the prompt stays masked
    });
    const out = await session.step(stepIds, stepPos, stepMask, b, cache);
    cache = out.present;
    stepLogits = out.logits;
    logitsRow = (slot) => slot;
    logitsPos = 0;
    pastLength += 1;
  }
  return rows.map((r) => r.done as RowResult);
}
