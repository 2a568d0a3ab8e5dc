import fs from 'node:fs';

/**
 * Every live process's /proc/<pid>/stat fields after "(comm) ", 0-based: state, ppid, pgrp,
 * session, … (comm may hold spaces and parentheses, hence the cut at the last ")").
 */
export function procStats(): { pid: number; fields: string[] }[] {
  const out: { pid: number; fields: string[] }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push({ pid: Number(name), fields: statFields(Number(name)) });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * Every process of a session (a shell is a session leader: its pid is the session id). Killing
 * the session, not only the shell or its process group, also ends background jobs in their
 * own groups. Reads /proc; a process that called setsid() itself has left and is not found.
 */
export function sessionMembers(sid: number): number[] {
  return procStats()
    .filter((p) => Number(p.fields[3]) === sid)
    .map((p) => p.pid);
}

export function signalSession(sid: number, signal: NodeJS.Signals): number {
  let signalled = 0;
  for (const pid of sessionMembers(sid)) {
    try {
      process.kill(pid, signal);
      signalled++;
    } catch {
      // already gone, or not ours
    }
  }
  return signalled;
}

/** One process's /proc/<pid>/stat fields after "(comm) ", as procStats gives them; throws once it has exited. */
export function statFields(pid: number): string[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
