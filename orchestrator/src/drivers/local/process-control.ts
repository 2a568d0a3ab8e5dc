import fs from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** True while a process with this pid exists (a zombie counts; our own children are reaped by Node). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The argv of a live process, or null (Linux /proc). */
export function commandLine(pid: number): string[] | null {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

/** Polls until the pid is gone; false when `timeoutMs` passed first. */
export async function waitForPidExit(pid: number, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** A TCP port free on 127.0.0.1 right now (the kernel picks it; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function statusField(pid: number, field: string): string | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** The first live descendant of `ancestor` whose argv passes `match` (a sandbox's runner, seen from the host). */
export function findDescendant(ancestor: number, match: (argv: string[]) => boolean): number | null {
  const parentOf = new Map<number, number>();
  for (const pid of allPids()) {
    const ppid = Number(statusField(pid, 'PPid'));
    if (ppid > 0) parentOf.set(pid, ppid);
  }
  for (const [pid] of parentOf) {
    let p: number | undefined = pid;
    for (let hops = 0; p !== undefined && p !== ancestor && hops < 64; hops++) p = parentOf.get(p);
    if (p !== ancestor) continue;
    const argv = commandLine(pid);
    if (argv && match(argv)) return pid;
  }
  return null;
}

/** Live processes whose real uid is `uid`, or passes the test (a sandbox's user has no others). */
export function processesOfUid(uid: number | ((uid: number) => boolean)): number[] {
  const match = typeof uid === 'number' ? (u: number) => u === uid : uid;
  return allPids().filter((pid) => {
    const real = statusField(pid, 'Uid')?.split(/\s+/)[0];
    return real !== undefined && match(Number(real));
  });
}

/** SIGKILLs every process of `uid` until none is left (a fork loop cannot outrun it for long). */
export async function killUid(uid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processesOfUid(uid);
    if (pids.length === 0) return true;
    if (Date.now() > deadline) return false;
    for (const pid of pids) signalProcess(pid, 'SIGKILL');
    await sleep(20);
  }
}
