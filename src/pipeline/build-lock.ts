import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../schemas/config-error.ts';

/** The lock file in a build directory while a writer (run, merge --out, batch import) holds it. */
export const LOCK_FILE = '.distillery.lock';

/** Who holds a build directory. */
export interface LockHolder {
  pid: number;
  host: string;
  /** /proc/sys/kernel/random/boot_id: a pid from before a reboot is not alive, whatever runs under it now. */
  bootId: string | null;
  /** The process's start time in clock ticks since boot (/proc/PID/stat field 22): a reused pid is not the holder. */
  startTicks: number | null;
  command: string;
  since: string;
}

/** A second writer on a build directory: refused at once, naming the holder. */
export class BuildLockedError extends ConfigError {}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the recorded holder still runs: same host, same boot, the pid alive and started at the recorded time.
 * A holder on another host cannot be checked from here: it counts as live (the refusal says how to clear it).
 */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  const boot = bootId();
  if (boot !== null && h.bootId !== null && boot !== h.bootId) return false;
  if (!alive(h.pid)) return false;
  if (h.startTicks !== null) {
    const now = startTicks(h.pid);
    if (now !== null && now !== h.startTicks) return false;
  }
  return true;
}

/** A held lock; release() is idempotent and also runs at process exit (a second Ctrl-C exits at once). */
export interface BuildLock {
  readonly file: string;
  release(): Promise<void>;
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockHolder;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    // Half-written by a writer that died between create and write: no holder can be named; treat as stale.
    return { pid: -1, host: hostname(), bootId: null, startTicks: null, command: '(unreadable lock file)', since: '' };
  }
}

/**
 * Take the exclusive lock of a build directory for `command`, or throw BuildLockedError naming the live holder.
 * The lock is a file hard-linked into place (atomic, fails when it exists); a stale one (holder gone, or from before
 * a reboot) is broken under a second O_EXCL file so that two processes breaking it at once cannot both win.
 */
export async function lockBuildDir(dir: string, command: string): Promise<BuildLock> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), bootId: bootId(), startTicks: startTicks(process.pid), command, since: new Date().toISOString() };
  // The lock appears with its content at once (written aside, then hard-linked into place: link fails if it exists),
  // so a reader never sees an empty lock file it could take for a dead one.
  const mine = `${file}.${process.pid}.tmp`;
  await writeFile(mine, JSON.stringify(me) + '\n');
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await link(mine, file);
        return held(file, me);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = await readHolder(file);
      if (holder === null) continue; // released in between: try again
      if (holderAlive(holder)) {
        throw new BuildLockedError(
          `${dir} is in use by another writer: ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since}). ` +
            `One build writes a directory at a time: wait for it to end, or use another --out. ` +
            `If that process is gone (another host cannot be checked from here), delete ${file}.`,
        );
      }
      await breakStale(file, holder);
    }
  } finally {
    await unlink(mine).catch(() => {});
  }
  throw new Error(`${file}: could not take the lock (it kept changing hands)`);
}

async function breakStale(file: string, seen: LockHolder): Promise<void> {
  const breaker = `${file}.break`;
  let fh;
  try {
    fh = await open(breaker, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Someone else is breaking it; if that one died mid-way, its breaker file is older than a few seconds.
    await new Promise((r) => setTimeout(r, 50));
    const st = await stat(breaker).catch(() => null);
    if (st && Date.now() - st.mtimeMs > 10_000) await unlink(breaker).catch(() => {});
    return;
  }
  try {
    const now = await readHolder(file);
    // Still the stale holder we judged (not a lock taken meanwhile by someone who broke it first).
    if (now && now.pid === seen.pid && now.since === seen.since && now.host === seen.host) await unlink(file).catch(() => {});
  } finally {
    await fh.close();
    await unlink(breaker).catch(() => {});
  }
}

/** Whether the lock file still names this holder (never remove a lock another writer took over). */
function stillMine(text: string, me: LockHolder): boolean {
  try {
    const h = JSON.parse(text) as LockHolder;
    return h.pid === me.pid && h.since === me.since && h.host === me.host;
  } catch {
    return false;
  }
}

function held(file: string, me: LockHolder): BuildLock {
  let released = false;
  const onExit = () => {
    if (released) return;
    released = true;
    try {
      if (stillMine(readFileSync(file, 'utf8'), me)) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const text = await readFile(file, 'utf8').catch(() => '');
      if (stillMine(text, me)) await unlink(file).catch(() => {});
    },
  };
}
