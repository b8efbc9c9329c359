/**
 * The scale bench's teacher: a replay backend that serves R1-like samples made deterministically from the sample
 * key (no file: 800k examples × ~4 samples at 4 KB would be a 14 GB recording). The reasoning text is cut from
 * real DeepSeek-R1-Distill-Qwen-32B responses (../shared/datasets, when present; else seeded word text), with
 * lengths drawn from a log-normal (R1's long tail) scaled to the requested mean, then a boxed final answer that
 * is right with probability `acceptRate` (for code prompts: a fenced function, see codeAnswer); `truncatedRate` of
 * samples stop at the length limit without </think>.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Backend, GeneratedSample, Sampler } from '../../src/models/sampler.ts';
import { mulberry32 } from '../../test/support/seeded-random.ts';

export interface SyntheticTeacherOptions {
  acceptRate: number;
  meanChars: number;
  truncatedRate: number;
  sharedDir: string;
}

function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}


/** Real reasoning text to cut from: the R1-distill responses, joined (their answers removed). */
function textPool(sharedDir: string): { text: string; origin: string } {
  const file = path.join(sharedDir, 'r1_distill_qwen32b_math_rule_false_gpt_labeled.jsonl');
  if (existsSync(file)) {
    const parts = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => String(JSON.parse(l).ori_rollout_info?.code ?? '').replace(/<\/?think>|<\/?answer>|\\boxed/g, ''));
    return { text: parts.join('\n\n'), origin: path.basename(file) };
  }
  const words = 'so we need the value of x then check the sum again wait let me verify this step carefully because the product of the two roots equals'.split(' ');
  const r = mulberry32(7);
  return { text: Array.from({ length: 400_000 }, () => words[Math.floor(r() * words.length)]).join(' '), origin: 'seeded word list' };
}

/**
 * An R1-like final answer to a code problem (bench/scale/code-problems.ts): the canonical function when right;
 * otherwise, like a model's wrong answers, mostly a wrong value, then an exception, a syntax error, or prose with
 * no code block. (No infinite loops: each would cost the judge's full wall-clock limit, and R1 rarely writes one.)
 */
function codeAnswer(meta: Record<string, unknown>, right: boolean, u: number): string {
  const solution = String(meta.solution ?? '');
  const fence = (code: string) => `Here is the function:\n\n\`\`\`python\n${code}\`\`\`\n`;
  if (right) return fence(solution);
  if (u < 0.6) return fence(String(meta.wrong ?? ''));
  if (u < 0.8) return fence(solution.replace(/\n/, '\n    raise ValueError("not done")\n'));
  if (u < 0.9) return fence(solution.replace(/\):\n/, ')\n'));
  return 'Loop over the input and keep a running total; return it at the end.';
}

export function syntheticTeacher(options: SyntheticTeacherOptions): Backend & { origin: string } {
  const pool = textPool(options.sharedDir);
  return {
    kind: 'replay',
    origin: pool.origin,
    batchSize: 64,
    concurrency: 2,
    describe: () => ({ kind: 'replay', synthetic: true, ...options, sharedDir: undefined, pool: pool.origin }),
    async open(): Promise<Sampler> {
      return {
        model: 'replay:synthetic-r1',
        async generate(requests) {
          const out: GeneratedSample[] = [];
          for (const r of requests) {
            const reference = r.prompt.reference ?? '0';
            r.indices.forEach((index, i) => {
              const rand = mulberry32(hash32(r.keys[i]));
              const u = Math.max(1e-9, rand());
              const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
              const sigma = 0.9;
              const len = Math.max(200, Math.min(16 * options.meanChars, Math.round(options.meanChars * Math.exp(sigma * z - (sigma * sigma) / 2))));
              const start = Math.floor(rand() * Math.max(1, pool.text.length - len));
              const reasoning = pool.text.slice(start, start + len);
              const truncated = rand() < options.truncatedRate;
              const right = rand() < options.acceptRate;
              const final = r.prompt.domain === 'code' ? codeAnswer(r.prompt.meta, right, rand()) : `The answer is $\\boxed{${right ? reference : String(Number(reference) + 1 + Math.floor(rand() * 9))}}$.`;
              const text = truncated ? `${reasoning}` : `${reasoning}\n</think>\n\n${final}`;
              out.push({ promptId: r.prompt.id, index, prefill: '<think>\n', text, finishReason: truncated ? 'length' : 'stop', promptTokens: 40, completionTokens: Math.ceil(text.length / 4), error: null });
            });
          }
          return out;
        },
        close: async () => {},
      };
    },
  };
}
