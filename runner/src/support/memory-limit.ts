import fs from 'node:fs';

/**
 * The repl's memory limit as the kernel enforces it (a cgroup the sandbox set up), and its count of
 * out-of-memory kills, read from the cgroup's events file the sandbox shows the runner read-only
 * (`oom_kill N` in v2's memory.events and v1's memory.oom_control). Without one, nothing is known.
 */
export class ReplMemoryLimit {
  constructor(
    private readonly eventsFile: string | null,
    readonly limitBytes: number | null,
  ) {}

  /** Processes the kernel has killed for memory in this repl so far; 0 when unknown. */
  oomKills(): number {
    if (!this.eventsFile) return 0;
    try {
      return Number(/^oom_kill (\d+)$/m.exec(fs.readFileSync(this.eventsFile, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  }

  /** Why the kernel killed something here, in words: "the repl ran out of memory (its limit is N MB)". */
  reason(): string {
    const limit = this.limitBytes ? ` (its limit is ${Math.round(this.limitBytes / 1024 / 1024)} MB)` : '';
    return `the repl ran out of memory${limit}`;
  }

  /** Words for a process the kernel killed for memory. */
  describeKill(): string {
    return `was killed: ${this.reason()}`;
  }
}
