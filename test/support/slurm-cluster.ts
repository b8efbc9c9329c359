/**
 * A real single-node Slurm cluster for tests: munged, slurmctld and slurmd started in the foreground, each in its
 * own session, in a temp dir with its own munge key, socket and ports (so it never talks to a packaged service),
 * and stopped by pid. Follows ../shared/notes/slurm-single-node.md (measured on this kind of machine).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec$ = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why a real Slurm cannot run here, or null. */
export async function slurmMissing(): Promise<string | null> {
  for (const bin of ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo', 'scancel']) {
    try {
      await exec$('sh', ['-c', `command -v ${bin}`]);
    } catch {
      return `${bin} not installed (apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge)`;
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Whether a process is running: a zombie answers kill -0 but is gone, so read its state. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S …": a zombie answers kill -0 but is gone.
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

export class SlurmCluster {
  readonly env: NodeJS.ProcessEnv;
  private readonly daemons: { name: string; child: ChildProcess }[] = [];

  private constructor(readonly dir: string, readonly conf: string) {
    this.env = { ...process.env, SLURM_CONF: conf };
    // The test runner's own marker must not reach the jobs' node processes.
    delete this.env.NODE_TEST_CONTEXT;
  }

  /** Start the three daemons and wait until the node is idle (a failed daemon is seen at once, with its log). */
  static async start(cpus: number): Promise<SlurmCluster> {
    const dir = mkdtempSync(path.join(tmpdir(), 'distillery-slurm-'));
    for (const d of ['state', 'spool', 'log', 'munge', 'run']) mkdirSync(path.join(dir, d));
    chmodSync(dir, 0o755);
    chmodSync(path.join(dir, 'run'), 0o755); // munged refuses a socket dir others cannot traverse
    chmodSync(path.join(dir, 'munge'), 0o700);
    const key = path.join(dir, 'munge', 'munge.key');
    writeFileSync(key, randomBytes(1024), { mode: 0o400 });
    const node = hostname().split('.')[0];
    const user = userInfo().username;
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const socket = path.join(dir, 'run', 'munge.socket');
    const conf = path.join(dir, 'slurm.conf');
    writeFileSync(
      conf,
      [
        'ClusterName=ci',
        `SlurmctldHost=${node}(127.0.0.1)`,
        `SlurmUser=${user}`,
        `SlurmdUser=${user}`,
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${dir}/state`,
        `SlurmdSpoolDir=${dir}/spool`,
        `SlurmctldPidFile=${dir}/slurmctld.pid`,
        `SlurmdPidFile=${dir}/slurmd.pid`,
        `SlurmctldLogFile=${dir}/log/slurmctld.log`,
        `SlurmdLogFile=${dir}/log/slurmd.log`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_Core',
        'MpiDefault=none',
        'MailProg=/bin/true',
        'SchedulerParameters=batch_sched_delay=0',
        // Declare more CPUs than the machine has so that the array's tasks start together (measured faster).
        'SlurmdParameters=config_overrides',
        'ReturnToService=2',
        `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=1024 State=UNKNOWN`,
        'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    const cluster = new SlurmCluster(dir, conf);
    try {
      cluster.daemon('munged', 'munged', [
        '-F',
        `--key-file=${key}`,
        `--socket=${socket}`,
        `--pid-file=${dir}/run/munged.pid`,
        `--log-file=${dir}/log/munged.log`,
        `--seed-file=${dir}/munge/seed`,
      ]);
      for (let i = 0; i < 50 && !readdirSync(path.join(dir, 'run')).includes('munge.socket'); i++) {
        cluster.checkDaemons();
        await sleep(100);
      }
      cluster.daemon('slurmctld', 'slurmctld', ['-D', '-i', '-f', conf]);
      cluster.daemon('slurmd', 'slurmd', ['-D', '-f', conf]);
      const deadline = Date.now() + 60_000;
      for (;;) {
        cluster.checkDaemons();
        const state = await exec$('sinfo', ['-h', '-N', '-o', '%t'], { env: cluster.env, timeout: 5000 }).then((r) => r.stdout.trim(), () => '');
        if (state === 'idle') break;
        if (Date.now() > deadline) throw new Error(`slurm node not idle after 60 s (state "${state}")\n${cluster.logTail()}`);
        await sleep(200);
      }
      return cluster;
    } catch (e) {
      await cluster.stop();
      throw e;
    }
  }

  private daemon(name: string, bin: string, args: string[]): void {
    const log = openSync(path.join(this.dir, 'log', `${name}.stdio`), 'a');
    // Own session (detached): a daemon never gets the terminal's signals; we stop it by pid.
    const child = spawn(bin, args, { env: this.env, detached: true, stdio: ['ignore', log, log] });
    child.unref();
    this.daemons.push({ name, child });
  }

  private checkDaemons(): void {
    for (const d of this.daemons) {
      if (d.child.pid === undefined || !alive(d.child.pid)) throw new Error(`${d.name} exited during start\n${this.logTail()}`);
    }
  }

  /** The last lines of every daemon log (for a failure message). */
  logTail(): string {
    const logs = path.join(this.dir, 'log');
    let text = '';
    for (const f of readdirSync(logs)) {
      const lines = readFileSync(path.join(logs, f), 'utf8').trim().split('\n').slice(-8);
      text += `--- ${f}\n${lines.join('\n')}\n`;
    }
    return text;
  }

  /** A Slurm client command with this cluster's config. */
  async cmd(bin: string, args: string[]): Promise<string> {
    const { stdout } = await exec$(bin, args, { env: this.env, timeout: 15_000 });
    return stdout;
  }

  /** Wait until the queue is empty (every job ended), or throw after `timeoutMs` with the queue and the logs. */
  async waitForEmptyQueue(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const q = (await this.cmd('squeue', ['-h', '-o', '%i %j %T %r'])).trim();
      if (q === '') return;
      if (Date.now() > deadline) throw new Error(`jobs still queued after ${timeoutMs} ms:\n${q}\n${this.logTail()}`);
      await sleep(500);
    }
  }

  /** Processes started for this cluster's jobs (their environment names this cluster's config), by pid. */
  private jobProcesses(): number[] {
    const pids: number[] = [];
    const marker = `SLURM_CONF=${this.conf}\0`;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
        if (environ.includes(marker) && environ.includes('SLURM_JOB_ID=')) pids.push(Number(entry));
      } catch {
        // gone, or not ours to read
      }
    }
    return pids;
  }

  /** Cancel jobs, stop the daemons and leftover job processes by pid (TERM, then KILL after 10 s), remove the dir. */
  async stop(): Promise<void> {
    try {
      await exec$('timeout', ['5', 'scancel', '--full', '-u', userInfo().username], { env: this.env }).catch(() => {});
      for (let i = 0; i < 20; i++) {
        const q = await exec$('squeue', ['-h'], { env: this.env, timeout: 3000 }).then((r) => r.stdout.trim(), () => '');
        if (q === '') break;
        await sleep(250);
      }
      const pids = [...this.daemons.map((d) => d.child.pid).filter((p): p is number => p !== undefined), ...this.jobProcesses()];
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const deadline = Date.now() + 10_000;
      while (pids.some(alive) && Date.now() < deadline) await sleep(100);
      for (const pid of [...pids.filter(alive), ...this.jobProcesses()]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Pids of this cluster's daemons still running (for the test's own check). */
  runningDaemons(): string[] {
    return this.daemons.filter((d) => d.child.pid !== undefined && alive(d.child.pid)).map((d) => d.name);
  }
}

