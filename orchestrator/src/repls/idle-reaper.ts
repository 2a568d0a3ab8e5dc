import { runnerClient } from '../drivers/runner-client.js';
import type { SandboxDriver } from '../drivers/sandbox-driver.js';
import type { PreviewActivity } from '../gateway/preview-activity.js';
import type { OrchestratorMetrics } from '../http/orchestrator-metrics.js';
import type { Logger } from '../log.js';
import { REAPER_MAX_INTERVAL_MS } from '../tuning.js';
import type { Leadership } from './leadership.js';
import type { ReplService } from './repl-service.js';

export const IDLE_REAPER_ACTOR = 'idle-reaper';

/**
 * Stops repls nobody uses (docs/architecture.md, "Orchestrator"): no terminal input and no file change
 * (the runner's GET /activity) and no preview request (the gateway) for IDLE_TIMEOUT. An open
 * tab alone is not activity. A runner that does not answer is skipped, never stopped on a guess.
 */
export class IdleReaper {
  private timer: NodeJS.Timeout | null = null;
  private readonly runningSince = new Map<string, number>();
  private sweeping = false;

  constructor(
    private readonly opts: {
      idleTimeoutMs: number;
      repls: ReplService;
      driver: SandboxDriver;
      previews: PreviewActivity;
      /** Only the leader stops idle repls (two reapers would race each other's stops). */
      leadership: Leadership;
      metrics: OrchestratorMetrics;
      log: Logger;
    },
  ) {}

  start(): void {
    const every = Math.max(50, Math.min(REAPER_MAX_INTERVAL_MS, Math.floor(this.opts.idleTimeoutMs / 4)));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.sweeping || !this.opts.leadership.isLeader()) return;
    this.sweeping = true;
    try {
      const now = Date.now();
      const running = this.opts.repls.running();
      for (const id of this.runningSince.keys()) if (!running.includes(id)) this.runningSince.delete(id);
      await Promise.all(running.map((id) => this.check(id, now)));
    } finally {
      this.sweeping = false;
    }
  }

  private async check(id: string, now: number): Promise<void> {
    // A repl first seen running counts as active then: a fresh start (or adoption) is never idle.
    if (!this.runningSince.has(id)) this.runningSince.set(id, now);
    const targets = this.opts.driver.targets(id);
    if (!targets) return;
    const activity = await runnerClient.activity(targets.runner);
    if (!activity) return;
    const last = Math.max(activity.lastActivityAt, this.opts.previews.last(id), this.runningSince.get(id) ?? now);
    const idleMs = now - last;
    if (idleMs < this.opts.idleTimeoutMs) return;
    this.opts.log.info({ replId: id, idleMs }, 'stopping an idle repl');
    this.opts.metrics.idleStops.inc();
    this.runningSince.delete(id);
    await this.opts.repls.stop(id, IDLE_REAPER_ACTOR, { idleMs }).catch((err: Error) => {
      this.opts.log.warn({ replId: id, err: err.message }, 'idle stop failed');
    });
  }
}
