import fs from 'node:fs';
import { idsOfProcesses } from './process-control.js';

/** A run of user or group ids this machine already gives to someone, and to whom (for an error line). */
export interface UsedIds {
  from: number;
  count: number;
  what: string;
}

/** Ids in use on this machine, as a range claim must see them. */
export interface HostIds {
  /** Users, groups and subordinate ranges: never ours, whatever runs. */
  named: UsedIds[];
  /** Every uid and gid of a live process → one such process (it may be one of our own sandboxes). */
  processes: Map<number, number>;
}

/**
 * The ids a new range of repl users must avoid: a repl's uid is also its gid, so the host's users
 * and groups both count, as do the subordinate ranges handed to rootless containers (a process
 * there runs as one of them) and the ids of every running process (a user that exists only in
 * another system's database — LDAP, a container — still owns its processes).
 */
export function hostIdsInUse(): HostIds {
  const named: UsedIds[] = [];
  for (const [file, kind] of [
    ['/etc/passwd', 'user'],
    ['/etc/group', 'group'],
  ] as const) {
    for (const fields of entries(file)) {
      const id = Number(fields[2]);
      if (Number.isInteger(id)) named.push({ from: id, count: 1, what: `${kind} ${fields[0]} (${file})` });
    }
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    for (const fields of entries(file)) {
      const [owner, from, count] = [fields[0], Number(fields[1]), Number(fields[2])];
      if (Number.isInteger(from) && Number.isInteger(count) && count > 0)
        named.push({ from, count, what: `the subordinate ids of ${owner} (${file})` });
    }
  }
  return { named, processes: idsOfProcesses() };
}

/** The colon-separated lines of a passwd-style file; none when it does not exist. */
function entries(file: string): string[][] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}
