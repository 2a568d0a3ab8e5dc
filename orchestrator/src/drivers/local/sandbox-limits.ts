import fs from 'node:fs';
import path from 'node:path';
import { ReplMemoryLimit } from '@cubicle/runner/memory-limit';
import type { Logger } from '../../log.js';
import { killUntilGone } from './process-control.js';

export interface ReplLimits {
  /** Bytes of memory for all of a repl's processes together (cgroup), 0 = none. */
  memoryBytes: number;
  /** Processes and threads of the repl's user (cgroup pids, and RLIMIT_NPROC of its own uid). */
  processes: number;
  /** CPU share relative to other repls (cgroup v2 weight 1–10000, 100 = equal). */
  cpuWeight: number;
  /** Open files per process. */
  openFiles: number;
}

type Hierarchy = { version: 2; root: string } | { version: 1; memory: string; pids: string; cpu: string | null };

/**
 * Per-repl resource limits on one machine: a cgroup per repl when the host lets us make one
 * (v2, or v1's memory and pids hierarchies), and rlimits always (prlimit): the process-count
 * rlimit counts per uid, and every sandbox has a uid of its own. Repl cgroups sit under
 * `cubicle/<installation>/`, so two installations (a copied DATA_DIR has the same repl ids) never
 * share, limit or kill one another's.
 */
export class SandboxLimits {
  private constructor(
    private readonly hierarchy: Hierarchy | null,
    readonly limits: ReplLimits,
  ) {}

  /** `installation`: a folder name of this installation's own (the same at every start). */
  static detect(limits: ReplLimits, installation: string, log: Logger): SandboxLimits {
    const hierarchy = findHierarchy(installation);
    log.info(
      { cgroup: hierarchy ? `v${hierarchy.version}` : 'none', ...limits },
      hierarchy
        ? 'repl limits: a cgroup per repl (memory, processes, CPU share) and rlimits'
        : 'repl limits: rlimits only (no writable cgroup here): no memory limit for a repl as a whole',
    );
    return new SandboxLimits(hierarchy, limits);
  }

  /** prlimit's arguments for the sandbox's first process (inherited by everything it starts). */
  rlimitArgs(): string[] {
    const n = this.limits.processes;
    return [`--nproc=${n}:${n}`, `--nofile=${this.limits.openFiles}:${this.limits.openFiles}`, '--core=0:0'];
  }

  /**
   * Makes (or empties and reuses) the repl's cgroup and returns the `cgroup.procs` files a
   * process must write its pid to before it starts the sandbox; [] when there are no cgroups.
   */
  prepare(replId: string): string[] {
    const h = this.hierarchy;
    const dirs = this.groupDirs(replId);
    if (!h) return [];
    for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
    const l = this.limits;
    if (h.version === 2) {
      const [dir] = dirs as [string];
      write(dir, 'pids.max', String(l.processes));
      if (l.memoryBytes > 0) write(dir, 'memory.max', String(l.memoryBytes));
      if (l.memoryBytes > 0) write(dir, 'memory.swap.max', '0');
      write(dir, 'cpu.weight', String(l.cpuWeight));
    } else {
      const [memory, pids, cpu] = dirs as [string, string, string | undefined];
      if (l.memoryBytes > 0) write(memory, 'memory.limit_in_bytes', String(l.memoryBytes));
      write(pids, 'pids.max', String(l.processes));
      if (cpu) write(cpu, 'cpu.shares', String(Math.max(2, Math.round((l.cpuWeight * 1024) / 100))));
    }
    return dirs.map((d) => path.join(d, 'cgroup.procs'));
  }

  /**
   * The repl's cgroup file that counts out-of-memory kills (`oom_kill N`), when it has a memory
   * limit: shown read-only inside the sandbox so the runner can say why a process died.
   */
  memoryEventsFile(replId: string): string | null {
    const h = this.hierarchy;
    const [memoryDir] = this.groupDirs(replId); // v2's one folder, or v1's memory hierarchy
    if (!h || !memoryDir || this.limits.memoryBytes <= 0) return null;
    return path.join(memoryDir, h.version === 2 ? 'memory.events' : 'memory.oom_control');
  }

  /** The repl's memory limit and its out-of-memory kills, read the same way the runner reads them. */
  memory(replId: string): ReplMemoryLimit {
    return new ReplMemoryLimit(this.memoryEventsFile(replId), this.limits.memoryBytes || null);
  }

  /**
   * SIGKILLs every process in the repl's cgroup until none is left: v2's `cgroup.kill` where the
   * kernel has it, and a kill of each listed process (its pids limit bounds a fork loop) where
   * not. Whatever joined the cgroup is the repl's, inside its namespaces or not (`runner pull`, a
   * sandbox without bubblewrap). False when something survives `timeoutMs`.
   */
  killAll(replId: string, timeoutMs: number): Promise<boolean> {
    const dirs = this.groupDirs(replId).filter((dir) => fs.existsSync(dir));
    if (this.hierarchy?.version === 2) for (const dir of dirs) writeIfThere(dir, 'cgroup.kill', '1');
    return killUntilGone(() => dirs.flatMap((dir) => members(dir)), timeoutMs);
  }

  /** Removes the repl's cgroup once its processes are gone (a busy one is left for next time). */
  release(replId: string): void {
    for (const dir of this.groupDirs(replId)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // still has processes (being killed) or already gone
      }
    }
  }

  /** Removes this installation's cgroup folders when no repl's is left in them (an orchestrator stopping). */
  close(): void {
    const h = this.hierarchy;
    if (!h) return;
    for (const dir of h.version === 2 ? [h.root] : [h.memory, h.pids, ...(h.cpu ? [h.cpu] : [])]) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // repls still run (left for the next orchestrator to adopt)
      }
    }
  }

  /** The repl's cgroup folder in each hierarchy: v2's one, or v1's memory, pids (and cpu); none without cgroups. */
  private groupDirs(replId: string): string[] {
    const h = this.hierarchy;
    if (!h) return [];
    const roots = h.version === 2 ? [h.root] : [h.memory, h.pids, ...(h.cpu ? [h.cpu] : [])];
    return roots.map((root) => path.join(root, `repl-${replId}`));
  }
}

/** Our own cgroup's place in each hierarchy, with a `cubicle/<installation>` child we can write. */
function findHierarchy(installation: string): Hierarchy | null {
  if (process.getuid?.() !== 0) return null;
  const own = readOr('/proc/self/cgroup', '');
  const v2Path = /^0::(.*)$/m.exec(own)?.[1];
  for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    if (v2Path === undefined) break;
    const root = path.join(mount, v2Path);
    const controllers = readOr(path.join(mount, 'cgroup.controllers'), '').split(/\s+/);
    if (!['memory', 'pids', 'cpu'].every((c) => controllers.includes(c))) continue;
    // Controllers must be enabled for children at each level; our own cgroup cannot hold processes and children at once.
    const dir = makeChild(root, installation, (d) => write(d, 'cgroup.subtree_control', '+memory +pids +cpu'));
    if (dir) return { version: 2, root: dir };
  }
  const v1 = (name: string) => {
    const rel = new RegExp(`^\\d+:[^:]*\\b${name}\\b[^:]*:(.*)$`, 'm').exec(own)?.[1];
    const mount = `/sys/fs/cgroup/${name}`;
    if (rel === undefined || !fs.existsSync(path.join(mount, 'cgroup.procs'))) return null;
    // A container often sees its own cgroup as the mount's root; fall back to it.
    const inside = path.join(mount, rel);
    return makeChild(fs.existsSync(inside) ? inside : mount, installation) ?? makeChild(mount, installation);
  };
  const memory = v1('memory');
  const pids = v1('pids');
  if (memory && pids) return { version: 1, memory, pids, cpu: v1('cpu') };
  return null;
}

/** `root/cubicle/<installation>`, each level made and `prepare`d (v2 enables controllers there). */
function makeChild(root: string, installation: string, prepare: (dir: string) => void = () => {}): string | null {
  let dir = root;
  try {
    for (const name of ['cubicle', installation]) {
      dir = path.join(dir, name);
      fs.mkdirSync(dir, { recursive: true });
      prepare(dir);
    }
    fs.accessSync(path.join(dir, 'cgroup.procs'), fs.constants.W_OK);
    return dir;
  } catch {
    return null;
  }
}

/** The processes in a cgroup (not its children's: a repl's cgroup has none). */
function members(dir: string): number[] {
  return readOr(path.join(dir, 'cgroup.procs'), '')
    .split('\n')
    .filter((line) => /^\d+$/.test(line))
    .map(Number);
}

function writeIfThere(dir: string, file: string, value: string): void {
  try {
    write(dir, file, value);
  } catch {
    // an older kernel without it: killAll signals each process instead
  }
}

function write(dir: string, file: string, value: string): void {
  fs.writeFileSync(path.join(dir, file), value);
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}
