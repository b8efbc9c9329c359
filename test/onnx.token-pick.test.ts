// The token-pick graph (src/models/onnx/helper-graphs.ts) that picks tokens on the device: run by real onnxruntime
// on the CPU provider (float32 and float16 logits) and on the WebGPU provider (SwiftShader here; skipped with the
// reason where no Vulkan device exists), against the host's greedyToken / sampleToken on the same logits.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { halvesToFloats } from '../src/models/onnx/float16.ts';
import { tokenPickGraph } from '../src/models/onnx/helper-graphs.ts';
import { greedyToken, sampleToken } from '../src/models/onnx/logits/index.ts';
import { SampleRng } from '../src/models/onnx/rng.ts';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES = SWIFTSHADER;

interface Case { logits: Float32Array | Uint16Array; type: 'float32' | 'float16'; batch: number; seq: number; vocab: number }

/** Random logits [batch, seq, vocab]; in float16, random halves of magnitude 1/8–8. Row 0 has tied maxima. */
function randomCase(rng: SampleRng, type: Case['type'], batch: number, vocab: number): Case {
  const seq = 2;
  const n = batch * seq * vocab;
  const logits = type === 'float32'
    ? Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 12)
    : Uint16Array.from({ length: n }, () => (rng.nextUint32() & 0x8000) | ((12 + (rng.nextUint32() % 6)) << 10) | (rng.nextUint32() & 0x3ff));
  // Row 0's last position: the same largest value at three places (greedy takes the first).
  const last0 = (seq - 1) * vocab;
  const top = type === 'float32' ? 100 : 0x5640; // 100 in float16
  for (const at of [vocab - 3, 7, vocab >> 1]) logits[last0 + at] = top;
  return { logits, type, batch, seq, vocab };
}

function hostRow(c: Case, row: number): Float32Array {
  const offset = (row * c.seq + c.seq - 1) * c.vocab;
  if (c.type === 'float16') return halvesToFloats(c.logits as Uint16Array, offset, c.vocab, new Float32Array(c.vocab));
  return (c.logits as Float32Array).slice(offset, offset + c.vocab);
}

/** The picks to make: every row greedy once, then sampled at two temperatures, each with its own u. */
function picks(c: Case, rng: SampleRng) {
  const rows: number[] = [];
  const greedy: number[] = [];
  const temps: number[] = [];
  const us: number[] = [];
  for (let r = 0; r < c.batch; r++) {
    for (const t of [0, 1, 0.7]) {
      rows.push(r);
      greedy.push(t === 0 ? 1 : 0);
      temps.push(t);
      us.push(t === 0 ? 0 : Math.fround(rng.next()));
    }
  }
  return { rows, greedy, temps, us };
}

async function runGraph(session: ort.InferenceSession, c: Case, p: ReturnType<typeof picks>): Promise<number[]> {
  const n = p.rows.length;
  const out = await session.run({
    logits: new ort.Tensor(c.type, c.logits, [c.batch, c.seq, c.vocab]),
    rows: new ort.Tensor('int64', BigInt64Array.from(p.rows, BigInt), [n]),
    inv_temperature: new ort.Tensor('float32', Float32Array.from(p.temps, (t) => (t === 0 ? 1 : 1 / t)), [n, 1]),
    u: new ort.Tensor('float32', Float32Array.from(p.us), [n, 1]),
    greedy: new ort.Tensor('bool', Uint8Array.from(p.greedy), [n, 1]),
  });
  assert.deepEqual(out.tokens.dims, [n, 1]);
  return Array.from(out.tokens.data as BigInt64Array, Number);
}

function hostPick(c: Case, row: number, temperature: number, u: number): number {
  const l = hostRow(c, row);
  if (temperature === 0) return greedyToken(l);
  for (let i = 0; i < l.length; i++) l[i] *= 1 / temperature;
  return sampleToken(l, u);
}

/** Where u × total falls in the float64 cumulative distribution of softmax(l / T): the tokens it may pick. */
function cdfInterval(c: Case, row: number, temperature: number, u: number, token: number): { before: number; after: number } {
  const l = hostRow(c, row);
  const max = l.reduce((a, b) => Math.max(a, b), -Infinity);
  const w = Array.from(l, (v) => Math.exp((v - max) / temperature));
  const total = w.reduce((a, b) => a + b, 0);
  let before = 0;
  for (let i = 0; i < token; i++) before += w[i];
  return { before: before / total - u, after: (before + w[token]) / total - u };
}

async function check(provider: 'cpu' | 'webgpu', c: Case, exact: boolean): Promise<void> {
  const session = await ort.InferenceSession.create(tokenPickGraph(c.type, c.vocab), { executionProviders: [provider], logSeverityLevel: 3 });
  try {
    const p = picks(c, new SampleRng(`${provider}-${c.type}-${c.vocab}`));
    const got = await runGraph(session, c, p);
    got.forEach((token, i) => {
      const what = `${provider} ${c.type} vocab ${c.vocab}: pick ${i} (row ${p.rows[i]}, T=${p.temps[i]}, u=${p.us[i]})`;
      assert.ok(token >= 0 && token < c.vocab, `${what}: token ${token} out of the vocabulary`);
      if (p.greedy[i] || exact) return assert.equal(token, hostPick(c, p.rows[i], p.temps[i], p.us[i]), what);
      // A large vocabulary summed in float32 on the device and in float64 on the host may differ by one token
      // where u falls within rounding of a boundary: the token must hold u's place in the distribution.
      const { before, after } = cdfInterval(c, p.rows[i], p.temps[i], p.us[i], token);
      assert.ok(before <= 1e-5 && after >= -1e-5, `${what}: token ${token} covers [${before}, ${after}] around u`);
    });
    assert.equal(got[0], 7, 'greedy takes the first of tied maxima');
  } finally {
    await session.release();
  }
}

test('token pick on the CPU provider: the host\'s tokens (float32, float16), a 151,936-token vocabulary within rounding', async () => {
  const rng = new SampleRng('cases');
  await check('cpu', randomCase(rng, 'float32', 6, 1000), true);
  await check('cpu', randomCase(rng, 'float16', 6, 1000), true);
  await check('cpu', randomCase(rng, 'float32', 3, 151936), false);
  await check('cpu', randomCase(rng, 'float16', 3, 151936), false);
});

test('token pick on the WebGPU provider gives the host\'s tokens (float32; SwiftShader has no float16)', async (t) => {
  const rng = new SampleRng('cases');
  try {
    await check('webgpu', randomCase(rng, 'float32', 6, 1000), true);
  } catch (e) {
    if (/adapter|vulkan/i.test((e as Error).message)) return t.skip(`no Vulkan device for WebGPU here: ${(e as Error).message.split('\n')[0]}`);
    throw e;
  }
});
