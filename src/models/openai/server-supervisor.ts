import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the backend starts and watches its inference servers (`openai({ launch })`, `--server`). */
export interface LaunchSpec {
  /** Shell command of one server; `{port}` and `{replica}` are replaced (e.g. `vllm serve M --port {port}`). */
  command: string;
  replicas: number;
  /** GPUs a replica gets, through CUDA_VISIBLE_DEVICES (0: the variable is left as it is). */
  gpusPerReplica: number;
  /** GPU ids to hand out; default: this process's CUDA_VISIBLE_DEVICES, else 0, 1, 2, … */
  gpus?: readonly string[];
  /** First port (replica i listens on basePort + i); default: free ports chosen at start. */
  basePort?: number;
  /** Path of the API under the server's root (vLLM, SGLang: /v1). */
  apiPath: string;
  /** The served model name and endpoint, for the 1-token readiness request. */
  model: string;
  endpoint: 'chat' | 'completions';
  /** Headers of the readiness request (the API key, when one is set). */
  headers: Record<string, string>;
  /** Until a (re)started server must answer a 1-token request. */
  readyTimeoutMs: number;
  /** Restarts of one replica, over the whole run, before it is given up. */
  maxRestarts: number;
  /** Where replica-<i>.log goes. */
  logDir: string;
}

export type ReplicaState = 'starting' | 'ready' | 'restarting' | 'dead' | 'stopped';

interface Replica {
  index: number;
  port: number;
  url: string;
  gpus: string[];
  log: string;
  child: ChildProcess | null;
  state: ReplicaState;
  restarts: number;
  exits: string[];
}

/** What the pool needs from the supervisor: take a server out while it restarts, put it back once it answers. */
export interface ReplicaListener {
  hold(index: number): void;
  release(index: number): void;
  wake(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The last `lines` lines of a file ('' when unreadable). */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** GPU groups for the replicas: consecutive ids, `gpusPerReplica` each. Throws when there are too few. */
export function gpuGroups(spec: Pick<LaunchSpec, 'replicas' | 'gpusPerReplica' | 'gpus'>, env: NodeJS.ProcessEnv = process.env): string[][] {
  if (spec.gpusPerReplica === 0) return Array.from({ length: spec.replicas }, () => []);
  const visible = env.CUDA_VISIBLE_DEVICES?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const need = spec.replicas * spec.gpusPerReplica;
  const ids = spec.gpus ? [...spec.gpus] : visible && visible.length > 0 ? visible : Array.from({ length: need }, (_, i) => String(i));
  if (ids.length < need) {
    throw new Error(`launch: ${spec.replicas} replicas × ${spec.gpusPerReplica} GPUs need ${need} GPUs, but only ${ids.length} are given (${ids.join(',')})`);
  }
  return Array.from({ length: spec.replicas }, (_, r) => ids.slice(r * spec.gpusPerReplica, (r + 1) * spec.gpusPerReplica));
}

/**
 * Inference servers started and watched for one build: one process group a replica (its own GPUs through
 * CUDA_VISIBLE_DEVICES), ready when it answers a real 1-token request (vLLM's /health can say 200 while its engine
 * is hung), restarted when it dies (up to `maxRestarts` each; meanwhile the pool routes around it), stopped with
 * SIGTERM then SIGKILL at the end, and killed if this process exits any other way. Output goes to
 * `logDir/replica-<i>.log`, with the supervisor's own lines.
 */
export class ServerFleet {
  private readonly replicas: Replica[];
  private listener: ReplicaListener | null = null;
  private stopping = false;
  private readonly killOnExit = () => {
    for (const r of this.replicas) if (r.child?.pid !== undefined && r.child.exitCode === null && r.child.signalCode === null) killGroup(r.child.pid, 'SIGKILL');
  };

  private constructor(private readonly spec: LaunchSpec, replicas: Replica[]) {
    this.replicas = replicas;
  }

  /** Start every replica and wait until each answers; on a failure, stop them all and throw with the log's tail. */
  static async start(spec: LaunchSpec, signal?: AbortSignal): Promise<ServerFleet> {
    const groups = gpuGroups(spec);
    mkdirSync(spec.logDir, { recursive: true });
    const replicas: Replica[] = [];
    for (let i = 0; i < spec.replicas; i++) {
      const port = spec.basePort !== undefined ? spec.basePort + i : await freePort();
      replicas.push({ index: i, port, url: `http://127.0.0.1:${port}${spec.apiPath}`, gpus: groups[i], log: join(spec.logDir, `replica-${i}.log`), child: null, state: 'starting', restarts: 0, exits: [] });
    }
    const fleet = new ServerFleet(spec, replicas);
    process.on('exit', fleet.killOnExit);
    try {
      await Promise.all(replicas.map(async (r) => {
        fleet.spawn(r);
        await fleet.waitReady(r, signal);
      }));
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  get urls(): string[] {
    return this.replicas.map((r) => r.url);
  }

  /** The pool to tell when a replica goes away and comes back. */
  attach(listener: ReplicaListener): void {
    this.listener = listener;
  }

  anyAlive(): boolean {
    return this.replicas.some((r) => r.state !== 'dead' && r.state !== 'stopped');
  }

  deadReason(): string {
    const r = this.replicas[this.replicas.length - 1];
    return `every inference server is down for good (restart budget of ${this.spec.maxRestarts} each spent); ${r.log} ends with:\n${logTail(r.log, 10)}`;
  }

  private note(r: Replica, line: string): void {
    try {
      appendFileSync(r.log, `[distillery ${new Date().toISOString()}] ${line}\n`);
    } catch {
      // the log is best effort
    }
  }

  private spawn(r: Replica): void {
    const command = this.spec.command.replaceAll('{port}', String(r.port)).replaceAll('{replica}', String(r.index));
    const env = { ...process.env };
    if (r.gpus.length > 0) env.CUDA_VISIBLE_DEVICES = r.gpus.join(',');
    this.note(r, `starting replica ${r.index} on port ${r.port}${r.gpus.length ? ` with CUDA_VISIBLE_DEVICES=${r.gpus.join(',')}` : ''}: ${command}`);
    const fd = openSync(r.log, 'a');
    // Its own process group: a terminal's Ctrl-C reaches distillery only, which then stops the servers in order;
    // and the whole group (sh and the server it started) is signalled at once.
    const child = spawn('/bin/sh', ['-c', command], { env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    r.child = child;
    child.once('exit', (code, sig) => this.onExit(r, child, code, sig));
    child.once('error', (err) => this.note(r, `could not start: ${err.message}`));
  }

  private onExit(r: Replica, child: ChildProcess, code: number | null, sig: NodeJS.Signals | null): void {
    if (r.child !== child) return;
    const how = sig ? `signal ${sig}` : `exit code ${code}`;
    r.exits.push(how);
    if (this.stopping || r.state === 'stopped') return;
    this.note(r, `replica ${r.index} ended (${how})`);
    if (r.state === 'starting' || r.state === 'restarting') return; // waitReady sees it: the start fails (or the restart loop tries again)
    this.listener?.hold(r.index);
    if (r.restarts >= this.spec.maxRestarts) {
      r.state = 'dead';
      this.note(r, `replica ${r.index}: restart budget (${this.spec.maxRestarts}) spent; given up`);
      this.listener?.wake();
      return;
    }
    void this.restart(r);
  }

  private async restart(r: Replica): Promise<void> {
    while (!this.stopping && r.restarts < this.spec.maxRestarts) {
      r.restarts++;
      r.state = 'restarting';
      killGroup(r.child?.pid, 'SIGKILL'); // what is left of the old group (a child still holding the port)
      this.note(r, `restarting replica ${r.index} (${r.restarts} of ${this.spec.maxRestarts})`);
      this.spawn(r);
      try {
        await this.waitReady(r);
        this.listener?.release(r.index);
        return;
      } catch (e) {
        this.note(r, `restart failed: ${(e as Error).message.split('\n')[0]}`);
        killGroup(r.child?.pid, 'SIGKILL');
      }
    }
    if (!this.stopping) {
      r.state = 'dead';
      this.note(r, `replica ${r.index}: restart budget (${this.spec.maxRestarts}) spent; given up`);
      this.listener?.wake();
    }
  }

  /** Poll with a 1-token request until it answers 200 with a choice; fail when the process ends or time runs out. */
  private async waitReady(r: Replica, signal?: AbortSignal): Promise<void> {
    const child = r.child!;
    const deadline = Date.now() + this.spec.readyTimeoutMs;
    const path = this.spec.endpoint === 'chat' ? '/chat/completions' : '/completions';
    const body =
      this.spec.endpoint === 'chat'
        ? { model: this.spec.model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1, temperature: 0 }
        : { model: this.spec.model, prompt: 'ping', max_tokens: 1, temperature: 0 };
    const prev = r.state;
    for (;;) {
      if (this.stopping) throw new Error(`replica ${r.index}: stopped while starting`);
      signal?.throwIfAborted();
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`inference server replica ${r.index} ended before it was ready (${r.exits.at(-1) ?? 'exited'}); ${r.log} ends with:\n${logTail(r.log)}`);
      }
      try {
        const res = await fetch(r.url + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...this.spec.headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(Math.max(1000, Math.min(30_000, deadline - Date.now()))),
        });
        const json = (await res.json().catch(() => null)) as { choices?: unknown[] } | null;
        if (res.ok && Array.isArray(json?.choices) && json.choices.length > 0) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        killGroup(child.pid, 'SIGKILL');
        throw new Error(`inference server replica ${r.index} did not answer a 1-token request within ${Math.round(this.spec.readyTimeoutMs / 1000)} s; ${r.log} ends with:\n${logTail(r.log)}`);
      }
      await sleep(prev === 'starting' ? 250 : 500);
    }
    r.state = 'ready';
    this.note(r, `replica ${r.index} ready at ${r.url}`);
  }

  /** Stop every replica: SIGTERM to its process group, SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const live = this.replicas.filter((r) => r.child?.pid !== undefined && r.child.exitCode === null && r.child.signalCode === null);
    for (const r of live) {
      this.note(r, `stopping replica ${r.index}`);
      killGroup(r.child!.pid, 'SIGTERM');
    }
    await Promise.all(
      live.map(async (r) => {
        const child = r.child!;
        const exited = new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)));
        const timer = sleep(graceMs).then(() => 'timeout');
        if ((await Promise.race([exited, timer])) === 'timeout') {
          this.note(r, `replica ${r.index} ignored SIGTERM for ${graceMs / 1000} s: SIGKILL`);
          killGroup(child.pid, 'SIGKILL');
          await exited;
        }
      }),
    );
    // Members of a group whose leader already ended (a server forked by sh) still get the group's signal.
    for (const r of live) killGroup(r.child?.pid, 'SIGKILL');
    for (const r of this.replicas) if (r.state !== 'dead') r.state = 'stopped';
    process.off('exit', this.killOnExit);
  }

  /** Per replica: url, GPUs, state, restarts, exits, log file. */
  report(): Record<string, unknown>[] {
    return this.replicas.map((r) => ({ replica: r.index, url: r.url, gpus: r.gpus, state: r.state, restarts: r.restarts, exits: r.exits, log: r.log }));
  }
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is gone
  }
}
