import type { LogLine, ProcessInfo, RunRecord, RunStartRequest } from '@cubicle/protocol';
import type { RunService } from '../runs/run-service.js';
import type { ActivityTracker } from '../server/activity-tracker.js';
import { PROCESS_LOG_DEFAULT_LINES } from '../tuning.js';
import type { ProcessManager } from './process-manager.js';

/**
 * What a person (the IDE, over the socket) or a script (the REST API) may do to processes and
 * runs: one service behind both entry points, so they cannot drift. Starting, stopping and
 * running count as activity for the idle reaper, whichever door they came through.
 */
export class ProcessCommands {
  constructor(
    private readonly processes: ProcessManager,
    private readonly runs: RunService,
    private readonly activity: ActivityTracker,
  ) {}

  async control(name: string, verb: 'start' | 'stop' | 'restart'): Promise<{ process: ProcessInfo }> {
    const p = this.processes.get(name);
    this.activity.touch();
    await p[verb]();
    return { process: p.info() };
  }

  logs(name: string, limit: number | undefined): { lines: LogLine[] } {
    return { lines: this.processes.get(name).logs.tail(limit ?? PROCESS_LOG_DEFAULT_LINES) };
  }

  clearLogs(name: string): void {
    this.processes.get(name).logs.clear();
  }

  startRun(request: RunStartRequest, trigger: RunRecord['trigger']): { run: RunRecord } {
    this.activity.touch();
    return { run: this.runs.start(request, trigger) };
  }
}
