import type { Logger } from './log.js';

/** What a shutdown needs of the running runner, in the order it is used. */
export interface ShutdownSteps {
  /** New writes get a clear error from here on. */
  refuseWrites(): void;
  /** No new connections, app connections, restarts or port scans. */
  stopAccepting(): void;
  /** Writes already accepted reach the disk. */
  drainWrites(): Promise<void>;
  /** Terminals, the user's processes and runs end (runs are recorded as canceled). */
  endSessions(): Promise<unknown>;
  /** Every client is disconnected. */
  disconnectClients(): Promise<void>;
  /** The watcher has seen the last writes of the shells and stops. */
  settleWatcher(): Promise<void>;
  /** The workspace's sync, absent when it is off. */
  sync: {
    rescan(): Promise<void>;
    /** True once nothing is pending, false if `timeoutMs` passed first. */
    flush(timeoutMs: number): Promise<boolean>;
    pendingPaths(): string[];
    stop(): void;
  } | null;
  /** Files, clients and caches closed. */
  release(): Promise<void>;
}

export interface ShutdownTimes {
  /** SHUTDOWN_TIMEOUT: the whole shutdown, S3 flush included. */
  flushTimeoutMs: number;
  /** How long sessions get to end before the flush goes ahead without them. */
  sessionDeadlineMs: number;
}

/**
 * The runner's shutdown as one function, whoever asks first (SIGTERM, the CLI, a test): writes
 * stop, accepted writes land, sessions end, then everything on disk is flushed to S3 within
 * SHUTDOWN_TIMEOUT. Resolves true when everything reached S3. Every later call gets the same promise.
 */
export function runnerShutdown(
  steps: ShutdownSteps,
  times: ShutdownTimes,
  log: Logger,
): (reason: string) => Promise<boolean> {
  let stopping: Promise<boolean> | null = null;
  const run = async (reason: string): Promise<boolean> => {
    const flushBy = Date.now() + times.flushTimeoutMs;
    log.info({ reason }, 'shutting down');
    steps.refuseWrites();
    steps.stopAccepting();
    await steps.drainWrites();
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, times.sessionDeadlineMs).unref());
    await Promise.race([steps.endSessions(), deadline]);
    await steps.disconnectClients();
    await steps.settleWatcher();
    let clean = true;
    const sync = steps.sync;
    if (sync) {
      await sync.rescan();
      clean = await sync.flush(Math.max(0, flushBy - Date.now()));
      if (!clean) {
        const pending = sync.pendingPaths();
        log.error(
          { pending: pending.slice(0, 50), count: pending.length },
          'shutdown timed out with changes not in S3',
        );
      }
      sync.stop();
    }
    await steps.release();
    log.info({ clean }, 'stopped');
    return clean;
  };
  return (reason) => {
    stopping ??= run(reason);
    return stopping;
  };
}
