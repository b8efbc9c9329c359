import type ort from 'onnxruntime-node';
import type { DecoderSession } from './decoder-session.ts';
import type { Sequence } from './sequence.ts';

/** A sequence whose next token is picked from row `logitsRow` of a step's logits. */
export interface PickRow {
  logitsRow: number;
  seq: Sequence;
}

export interface PickCounts {
  /** Tokens picked on the device (only the id came back) and on the host (the row's logits came back). */
  devicePicks: number;
  hostPicks: number;
}

// u is fed as float32: rounding to nearest could make a draw just below 1 equal 1 (past every token's cdf).
const BELOW_ONE = 1 - 2 ** -24;

/**
 * The next token of every row, each taken in by its sequence (EOS, stop strings, length). On webgpu the rows whose
 * rules the device can apply (greedy, plain temperature) are picked there by one small graph, so only their ids
 * come back; the others (penalties, top-k/top-p/min-p, EOS held off by min_tokens) get their logits on the host and
 * the host's rules, counted in `counts.hostPicks`. On cpu/cuda every pick is on the host, as before (the tokens the
 * tests pin). Both draw the sample's random number the same way, so a sample's stream does not depend on where
 * its tokens were picked. The caller releases `logits`.
 */
export async function pickTokens(session: DecoderSession, logits: ort.Tensor, rows: readonly PickRow[], scratch: Float32Array, counts: PickCounts): Promise<number[]> {
  const tokens = new Array<number>(rows.length);
  const drawn = new Array<number | undefined>(rows.length);
  const onDevice = session.picksOnDevice ? rows.flatMap((r, i) => (r.seq.devicePickable ? [i] : [])) : [];
  if (onDevice.length > 0) {
    const n = onDevice.length;
    const greedy = new Uint8Array(n);
    const inv = new Float32Array(n);
    const u = new Float32Array(n);
    onDevice.forEach((i, j) => {
      const p = rows[i].seq.devicePick();
      if (!p.greedy) drawn[i] = p.u;
      greedy[j] = p.greedy ? 1 : 0;
      inv[j] = p.invTemperature;
      u[j] = Math.min(Math.fround(p.u), BELOW_ONE);
    });
    let ids: number[] | null = null;
    try {
      ids = await session.pickOnDevice(logits, onDevice.map((i) => rows[i].logitsRow), greedy, inv, u);
    } catch (e) {
      // Never a failed generation for this: the host picks from now on, with the numbers already drawn, and
      // the reason is kept for the report.
      session.devicePickError = (e as Error).message;
      process.emitWarning(`onnx: picking tokens on the device failed, the host picks from now on: ${(e as Error).message}`);
    }
    if (ids) {
      onDevice.forEach((i, j) => { tokens[i] = rows[i].seq.accept(ids[j]); });
      counts.devicePicks += n;
    }
  }
  const left = rows.flatMap((_, i) => (tokens[i] === undefined ? [i] : []));
  if (left.length > 0) {
    const host = await session.hostLogits(logits);
    for (const i of left) tokens[i] = rows[i].seq.pick(session.lastLogits(host, rows[i].logitsRow, scratch), drawn[i]);
    counts.hostPicks += left.length;
  }
  return tokens;
}
