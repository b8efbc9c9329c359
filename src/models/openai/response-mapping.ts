import type { FinishReason } from '../../../schemas/sample.ts';
import type { Endpoint } from './request-body.ts';

/** One choice of a response, as a sample needs it. */
export interface MappedChoice {
  text: string;
  finishReason: FinishReason;
  /** Set when the server ended the choice without a usable answer (content filter, abort). */
  error: string | null;
  completionTokens: number;
}

export interface MappedResponse {
  choices: MappedChoice[];
  promptTokens: number;
  completionTokens: number;
}

interface RawChoice {
  index?: number;
  text?: string | null;
  message?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
  finish_reason?: string | null;
}

/** null when `json` is a usable response with `n` choices; else what is wrong (a retryable failure). */
export function responseProblem(json: unknown, endpoint: Endpoint, n: number): string | null {
  const choices = (json as { choices?: unknown })?.choices;
  if (!Array.isArray(choices)) return 'response has no "choices" array';
  if (choices.length !== n) return `response has ${choices.length} choices, expected ${n}`;
  for (const c of choices as RawChoice[]) {
    if (!c || typeof c !== 'object') return 'response choice is not an object';
    if (endpoint === 'chat' ? typeof c.message !== 'object' || c.message === null : typeof c.text !== 'string') {
      return `response choice has no ${endpoint === 'chat' ? '"message"' : '"text"'}`;
    }
  }
  return null;
}

/**
 * Reasoning models served with a reasoning parser (vLLM `reasoning_content`, newer `reasoning`; DeepSeek API)
 * return the chain of thought apart: put it back as the R1 `<think>` part so judges and corpora see one format.
 */
export function joinReasoning(reasoning: string | null | undefined, content: string): string {
  if (reasoning === null || reasoning === undefined || reasoning === '') return content;
  return `<think>\n${reasoning.trim()}\n</think>\n\n${content.trimStart()}`;
}

function finish(raw: string | null | undefined): { finishReason: FinishReason; error: string | null } {
  if (raw === 'length') return { finishReason: 'length', error: null };
  if (raw === 'content_filter' || raw === 'abort' || raw === 'error') return { finishReason: 'error', error: `server finish_reason "${raw}"` };
  return { finishReason: 'stop', error: null }; // stop, eos, tool_calls, null (some servers omit it)
}

/**
 * Split the request's completion tokens over its choices. Servers report usage per request, not per choice, so
 * with n > 1 each choice gets a share proportional to its text length (largest remainder, the sum stays exact).
 */
export function shareTokens(total: number, lengths: readonly number[]): number[] {
  if (lengths.length === 1) return [total];
  const sum = lengths.reduce((a, b) => a + b, 0);
  const exact = lengths.map((l) => (sum === 0 ? total / lengths.length : (total * l) / sum));
  const out = exact.map(Math.floor);
  let rest = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (rest <= 0) break;
    out[i]++;
    rest--;
  }
  return out;
}

/** Map a validated response (see responseProblem) to choices ordered by their `index`. */
export function mapResponse(json: unknown, endpoint: Endpoint): MappedResponse {
  const body = json as { choices: RawChoice[]; usage?: { prompt_tokens?: number; completion_tokens?: number } };
  const choices = [...body.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  const texts = choices.map((c) =>
    endpoint === 'chat' ? joinReasoning(c.message?.reasoning_content ?? c.message?.reasoning, c.message?.content ?? '') : (c.text ?? ''),
  );
  const promptTokens = Math.max(0, Math.trunc(body.usage?.prompt_tokens ?? 0));
  const completionTokens = Math.max(0, Math.trunc(body.usage?.completion_tokens ?? 0));
  const shares = shareTokens(completionTokens, texts.map((t) => t.length));
  return {
    promptTokens,
    completionTokens,
    choices: choices.map((c, i) => ({ text: texts[i], ...finish(c.finish_reason), completionTokens: shares[i] })),
  };
}
