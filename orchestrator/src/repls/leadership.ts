/**
 * Whether this orchestrator may run the loops that change repls nobody asked it about: the
 * start-up reconcile's stops and the idle reaper. Two orchestrators on one database (a rollout's
 * overlap, a `replicas: 2` by mistake) must not both do that, or each stops the other's starts.
 */
export interface Leadership {
  /** Takes part from now on (a first try at once, so a sole orchestrator leads from its first moment). */
  start(): Promise<void>;
  isLeader(): boolean;
  /** Called each time this process becomes (true) or stops being (false) the leader. */
  onChange(listener: (leader: boolean) => void): void;
  close(): Promise<void>;
}

/** One orchestrator alone (the local driver): always the leader. */
export class SoleLeader implements Leadership {
  async start(): Promise<void> {}
  isLeader(): boolean {
    return true;
  }
  onChange(): void {}
  async close(): Promise<void> {}
}
