import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { OpenContext } from '../sampler.ts';
import { EndpointPool, type JsonPoster } from './endpoint-pool.ts';
import { deadlinesOf } from './http-client.ts';
import type { OpenAIOptions } from './options.ts';
import { ServerFleet } from './server-supervisor.ts';

/** A pool of servers with its report (endpoints and, when started here, the supervised servers). */
export type ReportingPoster = JsonPoster & { report(): Record<string, unknown> };

/**
 * Where the sampler's requests go, when not to one `baseUrl`: a list of running servers (one pool with failover),
 * or servers started here (`launch`: started and ready before the build samples, restarted when they die, stopped
 * when the sampler closes). undefined for a single baseUrl (the sampler's own client).
 */
export async function openEndpoints(options: OpenAIOptions, apiKey: string | undefined, context: OpenContext = {}): Promise<ReportingPoster | undefined> {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  if (options.launch) {
    const l = options.launch;
    const logDir = l.logDir ?? (context.out ? join(context.out, 'servers') : join(tmpdir(), `distillery-servers-${process.pid}`));
    const fleet = await ServerFleet.start({ ...l, model: options.model, endpoint: options.endpoint, headers, logDir });
    const pool = new EndpointPool(fleet.urls, options.concurrency, headers, deadlinesOf(options), {
      waitMs: l.readyTimeoutMs,
      anyAlive: () => fleet.anyAlive(),
      deadReason: () => fleet.deadReason(),
    });
    fleet.attach(pool);
    return {
      post: (path, body, signal, stream) => pool.post(path, body, signal, stream),
      async close() {
        await pool.close();
        await fleet.stop();
      },
      report: () => ({ endpoints: pool.report(), servers: fleet.report() }),
    };
  }
  if (Array.isArray(options.baseUrl) && options.baseUrl.length > 1) {
    const pool = new EndpointPool(options.baseUrl, options.concurrency, headers, deadlinesOf(options));
    return { post: (path, body, signal, stream) => pool.post(path, body, signal, stream), close: () => pool.close(), report: () => ({ endpoints: pool.report() }) };
  }
  return undefined;
}
