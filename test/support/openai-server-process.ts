/**
 * The test model's OpenAI-compatible server as a process of its own, standing in for `vllm serve` in the
 * supervised-server tests: `node --import tsx test/support/openai-server-process.ts --port P [--latency-ms N]
 * [--boot-ms N]`. Prints `listening pid=… port=… cuda=…` once it accepts requests (after --boot-ms, a model
 * load) and one `request <path>` line a request; SIGTERM closes it.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { completionBody } from './openai-test-server.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'latency-ms': { type: 'string', default: '0' }, 'boot-ms': { type: 'string', default: '0' } } });
const latency = Number(values['latency-ms']);
await new Promise((r) => setTimeout(r, Number(values['boot-ms'])));

const server = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const path = req.url ?? '';
  if (req.method !== 'POST' || !(path === '/v1/chat/completions' || path === '/v1/completions')) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no route"}}');
    return;
  }
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  process.stdout.write(`request ${path} max_tokens=${body.max_tokens}\n`);
  if (latency) await new Promise((r) => setTimeout(r, latency));
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completionBody(path, body, false)));
});
server.listen(Number(values.port), '127.0.0.1', () => {
  process.stdout.write(`listening pid=${process.pid} port=${values.port} cuda=${process.env.CUDA_VISIBLE_DEVICES ?? ''}\n`);
});
process.once('SIGTERM', () => {
  process.stdout.write('SIGTERM: closing\n');
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
