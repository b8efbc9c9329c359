/** The vLLM-shaped test server in its own process (so the benchmark measures the client's CPU alone). */
import { startOpenAITestServer } from '../test/support/openai-test-server.ts';

const latencyMs = Number(process.argv[2] ?? 20);
const server = await startOpenAITestServer({ latencyMs, quiet: true });
process.stdout.write(`${server.baseUrl}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
