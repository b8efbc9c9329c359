/**
 * Deterministic, realistic corpus rows for the sink tests and bench: R1-like chain-of-thought text built from a
 * word list with a seeded RNG (varied lengths, not trivially compressible), for every corpus of a prompt.
 */
import type { ChunkRows } from '../../src/sinks/build-store.ts';
import type { DistillRecord, PrefRecord, SampleRecord, SftRecord } from '../../schemas/records.ts';
import { mulberry32 } from './seeded-random.ts';
import { lastBoxed } from '../../schemas/response.ts';

const WORDS = (
  'the a of to and in is that we for it be this with as so by then let now first next since therefore thus ' +
  'equation value number sum product term factor root square prime integer fraction ratio angle triangle circle ' +
  'radius area length side point line slope function derivative integral limit series sequence matrix vector ' +
  'check verify compute substitute simplify expand solve assume suppose consider note recall because however wait ' +
  'x y z n k m a_1 b_2 f(x) g(n) 2 3 5 7 11 13 17 19 23 42 100 1/2 3/4 sqrt(2) pi = + - * / ^ ( ) < > ≤ ≥ ∑ ∫ ' +
  'hmm actually maybe alternatively carefully step case answer result gives yields means implies holds'
).split(' ');


/** Text of about `chars` characters: sentences of random words, with numbers mixed in. */
export function cotText(rand: () => number, chars: number): string {
  const parts: string[] = [];
  let n = 0;
  while (n < chars) {
    const len = 6 + Math.floor(rand() * 14);
    const words: string[] = [];
    for (let i = 0; i < len; i++) words.push(rand() < 0.1 ? String(Math.floor(rand() * 100000)) : WORDS[Math.floor(rand() * WORDS.length)]);
    const s = `${words.join(' ')}.`;
    parts.push(s);
    n += s.length + 1;
  }
  return parts.join(rand() < 0.2 ? '\n\n' : ' ');
}

/** Log-normal-ish length with the given mean (chars), clamped to [64, 16 × mean]. */
function varied(rand: () => number, mean: number): number {
  const u = Math.max(1e-9, rand());
  const v = rand();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  const sigma = 0.8;
  const x = mean * Math.exp(sigma * z - (sigma * sigma) / 2);
  return Math.max(64, Math.min(16 * mean, Math.round(x)));
}

const DOMAINS = ['math', 'code', 'science', 'general'];

/** All rows of one prompt: k samples, half accepted → sft/distill rows, one preference pair. */
export function promptRows(p: number, opts: { k?: number; meanChars?: number; seed?: number } = {}): Omit<ChunkRows, 'quarantine'> {
  const k = opts.k ?? 2;
  const rand = mulberry32((opts.seed ?? 1) * 1_000_003 + p);
  const promptId = `p${String(p).padStart(7, '0')}`;
  const domain = DOMAINS[p % DOMAINS.length];
  const prompt = `Problem ${p}: ${cotText(rand, 120)}`;
  const reference = String(Math.floor(rand() * 1000));
  const out: Omit<ChunkRows, 'quarantine'> = { sft: [], distill: [], samples: [], prefs: [] };
  const samples: SampleRecord[] = [];
  for (let i = 0; i < k; i++) {
    const reasoning = cotText(rand, varied(rand, opts.meanChars ?? 4000));
    const accepted = i % 2 === 0;
    const answer = accepted ? reference : String(Number(reference) + 1);
    const verdicts = [
      { judge: 'format', verdict: 'pass', category: 'ok' as const, score: null, reason: 'think block closed, answer present', detail_json: null },
      { judge: 'math', verdict: accepted ? 'pass' : 'fail', category: accepted ? ('ok' as const) : ('wrong_answer' as const), score: accepted ? 1 : 0, reason: accepted ? 'equivalent' : `expected ${reference}, got ${answer}`, detail_json: JSON.stringify({ extracted: answer }) },
    ];
    const s: SampleRecord = {
      key: `${promptId}#${i}@cfg0001`,
      prompt_id: promptId,
      sample_index: i,
      config_hash: 'cfg0001',
      domain,
      source: 'bench',
      prompt,
      reference,
      response: `<think>${reasoning}</think>\n\\boxed{${answer}}`,
      reasoning,
      answer: `\\boxed{${answer}}`,
      finish_reason: 'stop',
      model: 'replay',
      prompt_tokens: Math.round(prompt.length / 4),
      completion_tokens: Math.round(reasoning.length / 4),
      error: null,
      verdicts,
      accepted,
      selected: i === 0,
      reward: accepted ? 1 : 0,
      pass_rate: 0.5,
      disagreement: i === 3 ? 'math:fail/generative:pass' : null,
    };
    samples.push(s);
  }
  out.samples = samples;
  const best = samples[0];
  const sft: SftRecord = {
    id: best.key,
    prompt_id: promptId,
    messages: [
      { role: 'user', content: prompt },
      { role: 'assistant', content: best.response },
    ],
    domain,
    source: 'bench',
    prompt_tokens: best.prompt_tokens,
    completion_tokens: best.completion_tokens,
    reward: best.reward,
  };
  const distill: DistillRecord = {
    id: best.key,
    prompt_id: promptId,
    prompt,
    prompt_messages: [{ role: 'user', content: prompt }],
    reasoning: best.reasoning,
    answer: best.answer,
    final_answer: lastBoxed(best.answer),
    reference,
    teacher: 'replay',
    temperature: 0.8,
    top_p: 1,
    max_tokens: 4096,
    seed: p,
    config_hash: 'cfg0001',
    verdicts: best.verdicts,
    pass_rate: 0.5,
    domain,
    source: 'bench',
    prompt_tokens: best.prompt_tokens,
    completion_tokens: best.completion_tokens,
  };
  out.sft = [sft];
  out.distill = [distill];
  if (samples.length > 1) {
    const rej = samples[1];
    const pref: PrefRecord = {
      id: `${best.key}>${rej.key}`,
      prompt_id: promptId,
      prompt: [{ role: 'user', content: prompt }],
      chosen: [{ role: 'assistant', content: best.response }],
      rejected: [{ role: 'assistant', content: rej.response }],
      chosen_key: best.key,
      rejected_key: rej.key,
      chosen_reward: best.reward,
      rejected_reward: rej.reward,
      domain,
    };
    out.prefs = [pref];
  }
  return out;
}

/** Rows of prompts [from, to) as one commit chunk. */
export function chunkRows(from: number, to: number, opts: { k?: number; meanChars?: number; seed?: number } = {}): ChunkRows {
  const chunk: ChunkRows = { sft: [], distill: [], samples: [], prefs: [], quarantine: [] };
  for (let p = from; p < to; p++) {
    const r = promptRows(p, opts);
    chunk.sft.push(...r.sft);
    chunk.distill.push(...r.distill);
    chunk.samples.push(...r.samples);
    chunk.prefs.push(...r.prefs);
  }
  return chunk;
}
