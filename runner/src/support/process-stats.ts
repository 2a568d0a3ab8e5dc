import { procStats, statFields } from './process-session.js';

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
  for (const { fields: f } of procStats()) {
    if (Number(f[3]) !== sid) continue;
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
    pages += Number(f[21]); // rss
    processes++;
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: pages * PAGE_BYTES, processes };
}

/** CPU seconds one process (all its threads) has used so far. */
export function processCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND; // utime, stime
}
