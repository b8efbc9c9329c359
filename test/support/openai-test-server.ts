/**
 * A real HTTP server on 127.0.0.1 that speaks the response shapes of vLLM's OpenAI-compatible server
 * (chat and completions, `n`, `reasoning_content`, usage, finish reasons, batch output lines) and injects faults
 * on command. Its "model" is a deterministic text function of (model, prompt, seed, choice index), so two runs
 * that send the same requests get the same answers: what the batch-vs-online and shard tests rely on.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from './seeded-random.ts';

export type Fault = '429' | '500' | '503' | 'hang' | 'reset' | 'malformed' | 'truncated' | '400' | 'stall-after-headers' | 'stall-mid-stream' | 'reset-mid-stream';
export const ALL_FAULTS: readonly Fault[] = ['429', '500', 'hang', 'reset', 'malformed', 'truncated'];

export interface TestServerOptions {
  /** Return `reasoning_content` apart (vLLM --reasoning-parser deepseek_r1) instead of inline <think>. */
  reasoningParser?: boolean;
  /** When false, a request with n > 1 gets 400 (as hosted APIs that do not take n). */
  supportsN?: boolean;
  /** Fixed latency before answering (benchmarks). */
  latencyMs?: number;
  /** Chooses a fault for a request (or null to answer). Called once per HTTP request. */
  fault?: (body: Record<string, unknown>, requestNumber: number) => Fault | null;
  /** When true, skip per-request bookkeeping (benchmarks). */
  quiet?: boolean;
  /** When false, a request with `stream: true` gets 400 (servers without streaming). */
  supportsStream?: boolean;
  /** Milliseconds between streamed chunks (a slow but live stream). */
  chunkDelayMs?: number;
}

/**
 * The server-sent events vLLM streams for `body`: each choice's text in word-sized deltas (reasoning_content apart
 * with the reasoning parser), the choices interleaved by index, finish_reason on each choice's last chunk, then a
 * usage chunk (stream_options.include_usage) and [DONE]. Joined, the deltas are exactly completionBody's texts.
 */
export function streamEvents(path: string, body: Record<string, unknown>, reasoningParser: boolean): string[] {
  const full = completionBody(path, body, reasoningParser);
  const chat = path.endsWith('/chat/completions');
  const base = { id: full.id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: full.created, model: full.model };
  const pieces = (text: string) => text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
  const perChoice = (full.choices as Record<string, unknown>[]).map((c) => {
    const index = c.index as number;
    const deltas: Record<string, unknown>[] = [];
    if (chat) {
      const m = c.message as { content: string; reasoning_content?: string };
      if (m.reasoning_content !== undefined) for (const p of pieces(m.reasoning_content)) deltas.push({ index, delta: { reasoning_content: p }, finish_reason: null });
      for (const p of pieces(m.content)) deltas.push({ index, delta: { content: p }, finish_reason: null });
    } else for (const p of pieces(c.text as string)) deltas.push({ index, text: p, finish_reason: null });
    deltas.push(chat ? { index, delta: {}, finish_reason: c.finish_reason } : { index, text: '', finish_reason: c.finish_reason });
    return deltas;
  });
  const events: string[] = [];
  for (let i = 0; perChoice.some((d) => i < d.length); i++) for (const d of perChoice) if (i < d.length) events.push(JSON.stringify({ ...base, choices: [d[i]] }));
  const opts = body.stream_options as { include_usage?: boolean } | undefined;
  if (opts?.include_usage) events.push(JSON.stringify({ ...base, choices: [], usage: full.usage }));
  return events.map((e) => `data: ${e}\n\n`).concat('data: [DONE]\n\n');
}

export interface TestServer {
  /** Base URL including /v1, as a client is configured. */
  readonly baseUrl: string;
  /** HTTP requests received, by outcome ('ok' or the fault). */
  readonly counts: Map<string, number>;
  /** Bodies of the requests answered with 200. */
  readonly answered: Record<string, unknown>[];
  /** Authorization headers seen (to check the API key is sent). */
  readonly authorizations: Set<string>;
  options: TestServerOptions;
  /** An outage: stop listening and drop every connection (clients get ECONNREFUSED), as a crashed or restarting server. */
  goDown(): Promise<void>;
  /** Back on the same port. */
  comeBack(): Promise<void>;
  /** Down now, back after `ms` (an outage window); resolves when it is back. */
  outage(ms: number): Promise<void>;
  readonly isDown: boolean;
  close(): Promise<void>;
}


/** Fault `rate` of requests, kinds in rotation, decided by a seeded PRNG. */
export function randomFaults(rate: number, seed = 1, kinds: readonly Fault[] = ALL_FAULTS): TestServerOptions['fault'] {
  const random = mulberry32(seed);
  let next = 0;
  return () => (random() < rate ? kinds[next++ % kinds.length] : null);
}

const FILLER = 'first check the digits then carry the tens and verify the sum once more before answering'.split(' ');

/** The test model: R1-style reasoning and a boxed answer, right about two times in three. */
function generate(model: string, promptText: string, seed: number, choice: number): { reasoning: string; answer: string } {
  const h = createHash('sha256').update(`${model}\0${promptText}\0${seed}\0${choice}`).digest();
  const m = /(\d+)\s*\+\s*(\d+)/.exec(promptText);
  const right = m ? Number(m[1]) + Number(m[2]) : 0;
  const value = h[0] % 3 === 0 ? right + 1 + (h[1] % 5) : right;
  const words = Array.from({ length: 4 + (h[2] % 12) }, (_, i) => FILLER[(h[3] + i) % FILLER.length]);
  return { reasoning: `Add ${m ? `${m[1]} and ${m[2]}` : 'the numbers'}: ${words.join(' ')}.`, answer: `The answer is \\boxed{${value}}.` };
}

const countTokens = (s: string) => s.split(/\s+/).filter(Boolean).length;

function promptTextOf(body: Record<string, unknown>): string {
  if (typeof body.prompt === 'string') return body.prompt;
  return JSON.stringify(body.messages ?? []);
}

/** The 200 body vLLM would send for `body` on `path`. */
export function completionBody(path: string, body: Record<string, unknown>, reasoningParser: boolean): Record<string, unknown> {
  const chat = path.endsWith('/chat/completions');
  const model = String(body.model);
  const n = Number(body.n ?? 1);
  const seed = Number(body.seed ?? 0);
  const maxTokens = Number(body.max_tokens ?? 16);
  const prompt = promptTextOf(body);
  let completionTokens = 0;
  const choices = Array.from({ length: n }, (_, index) => {
    const g = generate(model, prompt, seed, index);
    let full = `<think>\n${g.reasoning}\n</think>\n\n${g.answer}`;
    let finish = 'stop';
    if (countTokens(full) > maxTokens) {
      full = full.split(/(\s+)/).slice(0, maxTokens * 2 - 1).join('');
      finish = 'length';
    }
    completionTokens += countTokens(full);
    if (!chat) return { index, text: full, logprobs: null, finish_reason: finish, stop_reason: null, prompt_logprobs: null };
    const message: Record<string, unknown> = { role: 'assistant', content: full, tool_calls: [] };
    if (reasoningParser && finish === 'stop') {
      message.reasoning_content = g.reasoning;
      message.content = g.answer;
    }
    return { index, message, logprobs: null, finish_reason: finish, stop_reason: null };
  });
  const promptTokens = countTokens(prompt);
  return {
    id: `${chat ? 'chatcmpl' : 'cmpl'}-${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24)}`,
    object: chat ? 'chat.completion' : 'text_completion',
    created: 1_700_000_000,
    model,
    choices,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens, prompt_tokens_details: null },
    prompt_logprobs: null,
  };
}

/**
 * `vllm run-batch` / OpenAI Batch API output for an input JSONL (one line per request): what a cluster hands back.
 * `failCustomIds` get an error line instead (status 500), as a provider reports failed requests.
 */
export function answerBatchFile(inputJsonl: string, reasoningParser = false, failCustomIds: ReadonlySet<string> = new Set()): string {
  const out: string[] = [];
  for (const line of inputJsonl.split('\n')) {
    if (!line.trim()) continue;
    const req = JSON.parse(line) as { custom_id: string; url: string; body: Record<string, unknown> };
    const id = `batch_req_${createHash('sha256').update(req.custom_id).digest('hex').slice(0, 16)}`;
    if (failCustomIds.has(req.custom_id)) {
      out.push(JSON.stringify({ id, custom_id: req.custom_id, response: { status_code: 500, request_id: id, body: { error: { message: 'server error' } } }, error: null }));
    } else {
      out.push(JSON.stringify({ id, custom_id: req.custom_id, response: { status_code: 200, request_id: id, body: completionBody(req.url, req.body, reasoningParser) }, error: null }));
    }
  }
  return out.join('\n') + '\n';
}

export async function startOpenAITestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const counts = new Map<string, number>();
  const answered: Record<string, unknown>[] = [];
  const authorizations = new Set<string>();
  let requestNumber = 0;
  const state = { options };
  const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const o = state.options;
    if (req.headers.authorization && !o.quiet) authorizations.add(req.headers.authorization);
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [] }));
      return;
    }
    const path = req.url ?? '';
    if (req.method !== 'POST' || !(path === '/v1/chat/completions' || path === '/v1/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${path}` } }));
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'invalid JSON' } }));
      return;
    }
    const fault = o.fault?.(body, requestNumber++) ?? null;
    if (o.latencyMs) await new Promise((r) => setTimeout(r, o.latencyMs));
    if (fault === null && o.supportsN === false && Number(body.n ?? 1) > 1) {
      count('n-refused');
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'n must be 1', param: 'n' } }));
      return;
    }
    if (fault === null && o.supportsStream === false && body.stream === true) {
      count('stream-refused');
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'stream is not supported', param: 'stream' } }));
      return;
    }
    if (!o.quiet) count(fault ?? 'ok');
    if (body.stream === true && (fault === null || fault.endsWith('-stream') || fault === 'stall-after-headers')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (fault === 'stall-after-headers') return; // headers, then nothing: the client's first-token limit must fire
      const events = streamEvents(path, body, o.reasoningParser ?? false);
      const cut = fault === null ? events.length : Math.max(1, events.length >> 1);
      for (let i = 0; i < cut; i++) {
        if (res.destroyed) return;
        res.write(events[i]);
        if (o.chunkDelayMs) await new Promise((r) => setTimeout(r, o.chunkDelayMs));
      }
      if (fault === 'stall-mid-stream') return; // half the answer, then silence: the gap limit must fire
      if (fault === 'reset-mid-stream') {
        req.socket.destroy();
        return;
      }
      if (!o.quiet) answered.push(body);
      res.end();
      return;
    }
    switch (fault) {
      case '429':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': '20', 'retry-after': '1' }).end('{"error":{"message":"rate limited"}}');
        return;
      case '500':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"internal error"}}');
        return;
      case '503':
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"engine restarting"}}');
        return;
      case '400':
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"prompt is longer than the maximum context length"}}');
        return;
      case 'hang':
        return; // never answer: the client's timeout must fire; close() drops the socket
      case 'reset':
        req.socket.destroy();
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","choices":[{"index":0,"mess');
        return;
      case 'truncated': {
        const full = JSON.stringify(completionBody(path, body, o.reasoningParser ?? false));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(full)) });
        res.write(full.slice(0, full.length >> 1), () => req.socket.destroy());
        return;
      }
      default: {
        if (!o.quiet) answered.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completionBody(path, body, o.reasoningParser ?? false)));
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      res.destroy(err as Error);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let down = false;
  const goDown = () =>
    new Promise<void>((resolve) => {
      down = true;
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const comeBack = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        down = false;
        resolve();
      });
    });
  return {
    goDown,
    comeBack,
    async outage(ms: number) {
      await goDown();
      await new Promise((r) => setTimeout(r, ms));
      await comeBack();
    },
    get isDown() {
      return down;
    },
    baseUrl: `http://127.0.0.1:${port}/v1`,
    counts,
    answered,
    authorizations,
    get options() {
      return state.options;
    },
    set options(v) {
      state.options = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (down) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
