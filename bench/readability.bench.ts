/**
 * Readability judge throughput on one core: checkReadability on the scale bench's synthetic teacher texts (R1-Distill
 * reasoning cut from ../shared/datasets when present, else seeded word text; ~4 KB a sample) and, when present, the
 * real long-CoT outputs (R1-Distill-Qwen-32B, Sky-T1 with its loops).
 * References measured in the same run (the box is shared and noisy; absolute times are not comparable across runs):
 * - the regex-based wordsOf / tokensOf the scanners replaced, kept below verbatim, and the n-gram counting they
 *   replaced (repetitionOfTokens, which the product keeps), with their outputs
 *   checked equal to the scanners' on every bench text;
 * - JSON.stringify of the same texts, a machine-speed yardstick for the whole check.
 * Each side is timed in short alternating rounds and the minimum per chunk is kept (load spikes only add time).
 *   npm run bench:readability [-- --samples 2000]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { scriptOfCodePoint } from '../src/judges/readability/chars.ts';
import { checkReadability, type ReadabilityInput } from '../src/judges/readability/index.ts';
import { proseOf, scanWords, wordsOf, type Script, type Word } from '../src/judges/readability/prose.ts';
import { repetition, repetitionOfTokens, tokensOf, type Repetition } from '../src/judges/readability/repetition.ts';
import { splitResponse } from '../schemas/response.ts';
import { syntheticTeacher } from './scale/synthetic-teacher.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedDir = path.resolve(repoRoot, '../shared/datasets');
const samplesArg = process.argv.indexOf('--samples');
const SAMPLES = samplesArg > 0 ? Number(process.argv[samplesArg + 1]) : 2000;

// ---- Reference: the regex-based implementations (before the scanners), verbatim but for the per-character step. ----

const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[\p{L}\p{M}]+(?:['’-][\p{L}\p{M}]+)*/gu;

// The per-character regexes are the product's own (scriptOfCodePoint); the reference differs in how it caches and
// splits words.
const refScriptOfCodePoint = (c: number): Script => scriptOfCodePoint(String.fromCodePoint(c));
const refScriptCache = new Map<number, Script>();
function refScriptAt(c: number): Script {
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ? 'latin' : 'other';
  let s = refScriptCache.get(c);
  if (s === undefined) refScriptCache.set(c, (s = refScriptOfCodePoint(c)));
  return s;
}
const refLetterCache = new Map<number, boolean>();
function refIsLetter(c: number): boolean {
  if (c < 0x80) return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  let l = refLetterCache.get(c);
  if (l === undefined) refLetterCache.set(c, (l = /\p{L}/u.test(String.fromCodePoint(c))));
  return l;
}
function refIsAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}
function refWordsOf(prose: string): Word[] {
  const out: Word[] = [];
  for (const m of prose.matchAll(WORD)) {
    const w = m[0];
    if (refIsAscii(w)) {
      if (w.length >= 2) out.push({ text: w, script: 'latin', at: m.index });
      continue;
    }
    const script = refScriptAt(w.codePointAt(0)!);
    let mixed = false;
    let chars = 0;
    for (const ch of w) {
      chars++;
      const c = ch.codePointAt(0)!;
      if (refIsLetter(c) && refScriptAt(c) !== script) {
        mixed = true;
        break;
      }
    }
    if (mixed) continue;
    if (script !== 'han' && script !== 'kana' && chars < 2) continue;
    out.push({ text: w, script, at: m.index });
  }
  return out;
}

const HAN_KANA = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
function refTokensOf(text: string): string[] {
  const spaced = HAN_KANA.test(text) ? text.replace(/([\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}])/gu, ' $1 ') : text;
  return spaced.split(/\s+/).filter((t) => t !== '');
}
/** The n-gram counting before the scanners: the product keeps it (for n that is not a positive integer), verbatim. */
function refRepetition(text: string, n = 12): Repetition {
  return repetitionOfTokens(refTokensOf(text), n);
}

// ---- Inputs ----

async function syntheticInputs(n: number): Promise<ReadabilityInput[]> {
  const backend = syntheticTeacher({ acceptRate: 0.55, meanChars: 4096, truncatedRate: 0.03, sharedDir });
  const sampler = await backend.open();
  const out: ReadabilityInput[] = [];
  for (let p = 0; out.length < n; p++) {
    const prompt = { id: `p${p}`, reference: String(p % 97), messages: [], domain: 'math', meta: {} };
    const got = await sampler.generate([{ prompt, indices: [0, 1, 2, 3], keys: [0, 1, 2, 3].map((i) => `p${p}#${i}@h`) }] as never, {} as never);
    for (const s of got) out.push({ response: s.prefill + s.text, finishReason: s.finishReason, language: 'en', domain: 'math' });
  }
  return out.slice(0, n);
}

function realInputs(): ReadabilityInput[] {
  const out: ReadabilityInput[] = [];
  const r1 = path.join(sharedDir, 'r1_distill_qwen32b_math_rule_false_gpt_labeled.jsonl');
  if (existsSync(r1)) {
    for (const l of readFileSync(r1, 'utf8').split('\n').filter(Boolean)) {
      const r = JSON.parse(l).ori_rollout_info;
      out.push({ response: r.code, finishReason: r.finish_reason, language: 'en', domain: 'math' });
    }
  }
  for (const f of ['skyt1_math_correct5k_14b_amc23_outputs.jsonl', 'skyt1_math_correct5k_14b_aime24_outputs.jsonl']) {
    const file = path.join(sharedDir, f);
    if (!existsSync(file)) continue;
    for (const l of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const code = String(JSON.parse(l).code[0]).replace('<|begin_of_thought|>', '<think>').replace('<|end_of_thought|>', '</think>');
      out.push({ response: code, language: 'en', domain: 'math' });
    }
  }
  return out;
}

// ---- Timing ----

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** µs per item of each function: alternating rounds over chunks, the minimum per chunk kept, summed. */
function compare<T>(items: readonly T[], fns: Record<string, (x: T) => unknown>, chunk: number, rounds = 7): Record<string, number> {
  const names = Object.keys(fns);
  for (const name of names) for (const x of items) fns[name](x); // warm-up (JIT)
  const chunks = Math.max(1, Math.floor(items.length / chunk));
  const best = names.map(() => new Array<number>(chunks).fill(Infinity));
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < chunks; c++) {
      const part = items.slice(c * chunk, (c + 1) * chunk);
      names.forEach((name, k) => {
        gc();
        const t0 = performance.now();
        for (const x of part) fns[name](x);
        best[k][c] = Math.min(best[k][c], performance.now() - t0);
      });
    }
  }
  const used = chunks * Math.min(chunk, items.length);
  return Object.fromEntries(names.map((name, k) => [name, (best[k].reduce((a, b) => a + b, 0) / used) * 1000]));
}

function report(label: string, inputs: ReadabilityInput[], chunk: number): void {
  const chars = inputs.reduce((a, i) => a + i.response.length, 0) / inputs.length;
  const reasonings = inputs.map((i) => splitResponse(i.response).reasoning);
  const proses = reasonings.map(proseOf);
  // The references and the scanners must agree on every bench text before any time means anything.
  let compared = 0;
  for (let k = 0; k < inputs.length; k++) {
    if (!isDeepStrictEqual(wordsOf(proses[k]), refWordsOf(proses[k]))) throw new Error(`wordsOf differs from the reference on ${label} #${k}`);
    if (!isDeepStrictEqual(tokensOf(reasonings[k]), refTokensOf(reasonings[k]))) throw new Error(`tokensOf differs from the reference on ${label} #${k}`);
    if (!isDeepStrictEqual(repetition(reasonings[k]), refRepetition(reasonings[k]))) throw new Error(`repetition differs from the reference on ${label} #${k}`);
    compared++;
  }
  const idx = inputs.map((_, k) => k);
  const t = compare(idx, {
    check: (k) => checkReadability(inputs[k]),
    stringify: (k) => JSON.stringify(inputs[k].response),
    wordsOf: (k) => wordsOf(proses[k]),
    scanWords: (k) => scanWords(proses[k]),
    refWordsOf: (k) => refWordsOf(proses[k]),
    repetition: (k) => repetition(reasonings[k]),
    refRepetition: (k) => refRepetition(reasonings[k]),
  }, chunk);
  console.log(`${label}: ${inputs.length} samples, mean ${Math.round(chars)} chars (outputs equal to the references on all ${compared})`);
  console.log(`  checkReadability ${t.check.toFixed(1)} µs/sample = ${(t.check / t.stringify).toFixed(2)}× JSON.stringify of the same text (${t.stringify.toFixed(1)} µs)`);
  console.log(`  words (reasoning prose): reference ${t.refWordsOf.toFixed(1)} µs, wordsOf ${t.wordsOf.toFixed(1)} µs (${(t.refWordsOf / t.wordsOf).toFixed(2)}× faster), counting scan ${t.scanWords.toFixed(1)} µs (${(t.refWordsOf / t.scanWords).toFixed(2)}× faster)`);
  console.log(`  repetition (reasoning): reference ${t.refRepetition.toFixed(1)} µs, now ${t.repetition.toFixed(1)} µs (${(t.refRepetition / t.repetition).toFixed(2)}× faster)`);
}

report('synthetic teacher (scale bench)', await syntheticInputs(SAMPLES), 200);
const real = realInputs();
if (real.length > 0) report('real long CoT (R1-Distill, Sky-T1)', real, 25);
else console.log(`real long CoT: skipped (${sharedDir} not found)`);
