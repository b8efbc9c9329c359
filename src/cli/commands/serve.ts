import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { helpWithParameters, loadPipelineWithParameters, SET_FLAG } from '../pipeline-parameters.ts';
import { openAIServer } from '../../models/openai/serve.ts';
import { UsageError } from '../args.ts';
import { parseOrHelp, type CommandSpec } from '../command.ts';

export const spec: CommandSpec = {
  name: 'serve',
  summary: "Serve a pipeline's backend (e.g. the embedded ONNX model) as an OpenAI-compatible chat endpoint, until Ctrl-C / SIGTERM.",
  usage: '<pipeline.ts> [--host H] [--port P]',
  flags: {
    host: { type: 'string', value: 'H', help: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'P', help: 'port to listen on, 0 for any free one (default 8000)' },
    ...SET_FLAG,
  },
};

/**
 * `distillery serve <pipeline.ts> [--host 127.0.0.1] [--port 8000]`: the pipeline's backend (e.g. the embedded ONNX
 * model) as an OpenAI-compatible chat endpoint. Runs until SIGINT/SIGTERM.
 */
export async function run(argv: string[]): Promise<number> {
  const help = await helpWithParameters(spec, argv);
  if (help !== null) return help;
  const parsed = parseOrHelp(spec, argv);
  if (typeof parsed === 'number') return parsed;
  const { positionals } = parsed;
  const values = { host: '127.0.0.1', port: '8000', ...(parsed.values as { host?: string; port?: string; set?: string[] }) };
  if (positionals.length !== 1) throw new UsageError('expected one pipeline file: distillery serve <pipeline.ts> [--host H] [--port P]');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got "${values.port}"`);
  const pipeline = await loadPipelineWithParameters(positionals[0], values.set);
  const sampler = await pipeline.backend.open();
  const server = openAIServer(sampler);
  server.listen(port, values.host);
  await once(server, 'listening');
  const { address, port: bound } = server.address() as AddressInfo;
  process.stdout.write(`distillery serve: ${sampler.model} at http://${address}:${bound}/v1\n`);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await once(stop.signal, 'abort');
  server.close();
  server.closeAllConnections();
  await sampler.close();
  return 0;
}
