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

/** The first live descendant of `ancestor` that passes `match` (a sandbox's runner, seen from the host). */
export function findDescendant(ancestor: number, match: (argv: string[], pid: number) => boolean): number | null {
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
    if (argv && match(argv, pid)) return pid;
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

/** Every user and group id a live process has (real, effective, saved, filesystem) → one such process. */
export function idsOfProcesses(): Map<number, number> {
  const ids = new Map<number, number>();
  for (const pid of allPids()) {
    for (const field of ['Uid', 'Gid']) {
      for (const id of statusField(pid, field)?.split(/\s+/) ?? []) if (id !== '') ids.set(Number(id), pid);
    }
  }
  return ids;
}

/**
 * SIGKILLs every process of `uid` until none is left (a fork loop cannot outrun it for long). Only
 * for a uid this installation alone hands out (uid-range-registry.ts): anyone else's would die too.
 */
export function killUid(uid: number, timeoutMs: number): Promise<boolean> {
  return killUntilGone(() => processesOfUid(uid), timeoutMs);
}

/**
 * SIGKILLs what `processes()` lists, again and again until it lists nothing (a fork loop cannot
 * outrun it for long). False when something is still listed after `timeoutMs`.
 */
export async function killUntilGone(processes: () => number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = processes();
    if (pids.length === 0) return true;
    if (Date.now() > deadline) return false;
    for (const pid of pids) signalProcess(pid, 'SIGKILL');
    await sleep(20);
  }
}

/** The PID namespace a process is in (`pid:[4026532178]`), or null once it is gone or a zombie. */
export function pidNamespaceOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

/** Live processes in the PID namespace `ns` (its own, not its children's). */
export function processesInPidNamespace(ns: string): number[] {
  return allPids().filter((pid) => pidNamespaceOf(pid) === ns);
}

/** The namespace a sandbox made below `ancestor` (bubblewrap's outer process): its init's, the child whose pid inside is 1. */
export function pidNamespaceBelow(ancestor: number): string | null {
  const own = pidNamespaceOf(process.pid);
  const init = findDescendant(ancestor, (_argv, pid) => innermostPid(pid) === 1 && pidNamespaceOf(pid) !== own);
  return init === null ? null : pidNamespaceOf(init);
}

/**
 * Ends a sandbox's PID namespace: SIGKILL to its init makes the kernel kill every process in it
 * (setsid, nohup and double forks cannot leave a namespace), then anything seen in it until none
 * is left. Refuses the orchestrator's own namespace. False when something survives `timeoutMs`.
 */
export async function killPidNamespace(ns: string, timeoutMs: number): Promise<boolean> {
  if (ns === pidNamespaceOf(process.pid)) return false;
  return killUntilGone(() => {
    const pids = processesInPidNamespace(ns);
    const init = pids.find((pid) => innermostPid(pid) === 1);
    return init === undefined ? pids : [init, ...pids.filter((pid) => pid !== init)];
  }, timeoutMs);
}

/** The pid a process has in its own (innermost) PID namespace. */
function innermostPid(pid: number): number | null {
  const ids = statusField(pid, 'NSpid')?.trim().split(/\s+/);
  const last = ids?.[ids.length - 1];
  return last === undefined ? null : Number(last);
}
