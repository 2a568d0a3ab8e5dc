import fs from 'node:fs';

/** Linux reports CPU time in clock ticks (USER_HZ, 100 on every mainstream kernel) and RSS in pages. */
const TICKS_PER_SECOND = 100;
const PAGE_BYTES = 4096;

export interface SessionUsage {
  /** CPU seconds used so far by the session's live processes. */
  cpuSeconds: number;
  rssBytes: number;
  processes: number;
}

/** CPU and memory of every process in session `sid` (a supervised command and all it started). */
export function sessionUsage(sid: number): SessionUsage {
  let ticks = 0;
  let pages = 0;
  let processes = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // After "(comm) ": state ppid pgrp session … utime(14) stime(15) … rss(24), 1-based from pid.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[3]) !== sid) continue;
    ticks += Number(f[11]) + Number(f[12]);
    pages += Number(f[21]);
    processes++;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: pages * PAGE_BYTES, processes };
}
