import fs from 'node:fs';

/**
 * Every process of a session (a shell is a session leader: its pid is the session id). Killing
 * the session, not only the shell or its process group, also ends background jobs in their
 * own groups. Reads /proc; a process that called setsid() itself has left and is not found.
 */
export function sessionMembers(sid: number): number[] {
  const members: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp session …": comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[3]) === sid) members.push(Number(name));
  }
  return members;
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
