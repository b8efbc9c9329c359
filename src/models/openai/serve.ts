import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { ChatMessage } from '../../../schemas/chat.ts';
import { GenerationConfig } from '../../../schemas/generation.ts';
import { responseOf, sampleKey } from '../../../schemas/sample.ts';
import type { Sampler } from '../sampler.ts';
import { z } from 'zod';

const ChatRequest = z.object({
  messages: z.array(ChatMessage).min(1),
  n: z.number().int().min(1).max(64).default(1),
  temperature: z.number().min(0).max(5).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.number().int().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
});

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An OpenAI-compatible chat endpoint over any Sampler (e.g. the embedded ONNX model), so several factory processes
 * can share one loaded model through `openai({ baseUrl })`. Answers carry the full R1 response (`<think>` inline).
 * A sample the backend could not produce makes the request a 500 (the client retries), never a fake answer.
 */
export function openAIServer(sampler: Sampler): Server {
  return createServer((req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    void (async () => {
      if (req.method === 'GET' && req.url === '/v1/models') return send(200, { object: 'list', data: [{ id: sampler.model, object: 'model', owned_by: 'distillery' }] });
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(404, { error: { message: `no route ${req.method} ${req.url}` } });
      let parsed;
      try {
        parsed = ChatRequest.safeParse(JSON.parse(await readBody(req)));
      } catch (e) {
        return send(400, { error: { message: `invalid JSON: ${(e as Error).message}` } });
      }
      if (!parsed.success) return send(400, { error: { message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } });
      const b = parsed.data;
      const config = GenerationConfig.parse({ k: b.n, temperature: b.temperature, topP: b.top_p, maxTokens: b.max_tokens, seed: b.seed, stop: typeof b.stop === 'string' ? [b.stop] : b.stop });
      const id = createHash('sha256').update(JSON.stringify(b.messages)).digest('hex').slice(0, 16);
      const indices = Array.from({ length: b.n }, (_, i) => i);
      const prompt = { id, messages: b.messages, reference: null, domain: 'general', source: 'serve', meta: {} };
      const samples = await sampler.generate([{ prompt, indices, keys: indices.map((i) => sampleKey(id, i, `serve-seed-${config.seed}`)) }], config);
      samples.sort((x, y) => x.index - y.index);
      const failed = samples.find((s) => s.finishReason === 'error');
      if (failed || samples.length !== b.n) return send(500, { error: { message: failed?.error ?? 'the backend returned too few samples' } });
      const completion = samples.reduce((a, s) => a + s.completionTokens, 0);
      send(200, {
        id: `chatcmpl-${id}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: sampler.model,
        choices: samples.map((s, index) => ({ index, message: { role: 'assistant', content: responseOf(s) }, finish_reason: s.finishReason })),
        usage: { prompt_tokens: samples[0].promptTokens, completion_tokens: completion, total_tokens: samples[0].promptTokens + completion },
      });
    })().catch((e) => {
      if (!res.headersSent) send(500, { error: { message: (e as Error).message } });
      else res.destroy();
    });
  });
}
