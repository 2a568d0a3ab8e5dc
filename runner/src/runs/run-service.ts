import { randomBytes } from 'node:crypto';
import {
  FINISHED_RUN_STATUSES,
  type LogLine,
  type RunListResult,
  type RunRecord,
  type RunStartRequest,
  type RunStatus,
} from '@cubicle/protocol';
import { RunnerError } from '../errors.js';
import type { Logger } from '../log.js';
import { LogRing } from '../processes/log-ring.js';
import { type CommandExit, describeExit, SessionCommand } from '../processes/session-command.js';
import type { ReplMemoryLimit } from '../support/memory-limit.js';
import { PROCESS_STOP_GRACE_MS, RUN_OUTPUT_LINES, RUN_TAIL_CHARS } from '../tuning.js';
import type { RunHistory } from './run-history.js';

export type RunEvent = { type: 'log'; lines: LogLine[] } | { type: 'status'; run: RunRecord };

export interface RunServiceOptions {
  history: RunHistory;
  cwd: string;
  /** The environment of a run starting now. */
  env(): NodeJS.ProcessEnv;
  /** Runs at once; more wait `queued`, in order. */
  concurrency: number;
  defaultTimeoutSeconds: number;
  /** The tasks of cubicle.json, read fresh at each start. */
  tasks(): Record<string, string>;
  /** The repl's own memory limit, to say when it killed a run. */
  replMemory?: ReplMemoryLimit;
  log: Logger;
  onStatus(run: RunRecord): void;
  onOutput(id: string, lines: LogLine[]): void;
}

interface ActiveRun {
  record: RunRecord;
  output: LogRing;
  command: SessionCommand | null;
  ending: 'canceled' | 'timed_out' | null;
  timer?: ReturnType<typeof setTimeout>;
  listeners: Set<(e: RunEvent) => void>;
  /** Resolves once the finished record is in the history. */
  saved?: Promise<void>;
}

/** `r` + epoch ms in base 36 (9 digits until the year 5188) + 6 random: sorts by creation. */
export function newRunId(now = Date.now()): string {
  const random = [...randomBytes(6)].map((b) => (b % 36).toString(36)).join('');
  return `r${now.toString(36).padStart(9, '0')}${random}`;
}

/**
 * One-off runs (the script-gateway part of the Run button): a task of cubicle.json or an ad hoc
 * command, through the shell in its own session, with a timeout, cancel, a concurrency limit
 * and a queue, live output, and a record in the history once finished.
 */
export class RunService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly queue: ActiveRun[] = [];
  private running = 0;

  constructor(private readonly opts: RunServiceOptions) {}

  start(request: RunStartRequest, trigger: RunRecord['trigger']): RunRecord {
    let command = request.command;
    if (request.task !== undefined) {
      command = this.opts.tasks()[request.task];
      if (command === undefined) {
        const known = Object.keys(this.opts.tasks()).join(', ') || 'none';
        throw new RunnerError('ENOENT', `no task "${request.task}" in cubicle.json (known: ${known})`);
      }
    }
    const record: RunRecord = {
      id: newRunId(),
      task: request.task ?? null,
      command: command ?? '',
      status: 'queued',
      exitCode: null,
      signal: null,
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      timeoutSeconds: request.timeoutSeconds ?? this.opts.defaultTimeoutSeconds,
      outputTail: '',
      trigger,
    };
    const run: ActiveRun = {
      record,
      output: new LogRing(RUN_OUTPUT_LINES),
      command: null,
      ending: null,
      listeners: new Set(),
    };
    this.active.set(record.id, run);
    this.queue.push(run);
    this.status(run, {});
    this.pump();
    return run.record;
  }

  async get(id: string): Promise<RunRecord> {
    const record = this.active.get(id)?.record ?? (await this.opts.history.get(id));
    if (!record) throw new RunnerError('ENOENT', `no run ${id}`);
    return record;
  }

  async list(limit: number, before?: string): Promise<RunListResult> {
    const live = [...this.active.values()].map((r) => r.record).filter((r) => before === undefined || r.id < before);
    const stored = await this.opts.history.list(limit + 1, before);
    const merged = [...new Map([...stored, ...live].map((r) => [r.id, r])).values()].sort((a, b) =>
      a.id < b.id ? 1 : -1,
    );
    const page = merged.slice(0, limit);
    return { runs: page, next: merged.length > limit ? (page.at(-1)?.id ?? null) : null };
  }

  /** Output lines after `after` (-1: all), from memory while the run is active, else from the history. */
  async logs(id: string, after = -1): Promise<LogLine[]> {
    const run = this.active.get(id);
    if (run) return run.output.after(after);
    await this.get(id);
    return (await this.opts.history.output(id)).filter((l) => l.seq > after);
  }

  /** Live events of an active run; null when it has already finished (read it from the history). */
  subscribe(id: string, listener: (e: RunEvent) => void): (() => void) | null {
    const run = this.active.get(id);
    if (!run || run.saved) return null;
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  async cancel(id: string): Promise<RunRecord> {
    const run = this.active.get(id);
    if (!run) return this.get(id); // finished already: nothing to cancel
    if (run.record.status === 'queued') {
      this.queue.splice(this.queue.indexOf(run), 1);
      this.finish(run, 'canceled', { exitCode: null, signal: null });
    } else if (run.command && !run.ending) {
      run.ending = 'canceled';
      this.say(run, 'canceled');
      await run.command.terminate(PROCESS_STOP_GRACE_MS);
    }
    await run.saved;
    return run.record;
  }

  /** Shutdown: queued runs are canceled, running ones canceled and their records saved. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((id) => this.cancel(id)));
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.queue.length > 0) {
      const run = this.queue.shift();
      if (run) this.launch(run);
    }
  }

  private launch(run: ActiveRun): void {
    this.running++;
    this.status(run, { status: 'running', startedAt: Date.now() });
    this.say(run, `$ ${run.record.command}`);
    let command: SessionCommand;
    try {
      command = new SessionCommand({
        command: run.record.command,
        cwd: this.opts.cwd,
        env: this.opts.env(),
        memory: this.opts.replMemory,
        onOutput: (stream, text) => this.output(run, run.output.write(stream, text)),
      });
    } catch (err) {
      this.say(run, `could not start: ${(err as Error).message}`);
      this.running--;
      this.finish(run, 'failed', { exitCode: null, signal: null });
      return;
    }
    run.command = command;
    run.timer = setTimeout(() => {
      if (run.ending) return;
      run.ending = 'timed_out';
      this.say(run, `timed out after ${run.record.timeoutSeconds} s`);
      void command.terminate(PROCESS_STOP_GRACE_MS);
    }, run.record.timeoutSeconds * 1000);
    void command.exited.then((exit) => {
      clearTimeout(run.timer);
      this.output(run, run.output.flush());
      this.running--;
      const status: RunStatus = run.ending ?? (exit.exitCode === 0 ? 'succeeded' : 'failed');
      this.finish(run, status, exit);
      this.pump();
    });
  }

  private finish(run: ActiveRun, status: RunStatus, exit: CommandExit): void {
    const how = exit.signal || exit.exitCode !== null ? describeExit(exit, this.opts.replMemory) : '';
    if (how) this.say(run, how);
    const tail = run.output.all
      .map((l) => l.text)
      .join('\n')
      .slice(-RUN_TAIL_CHARS);
    this.status(run, {
      status,
      exitCode: exit.exitCode,
      signal: exit.signal,
      finishedAt: Date.now(),
      outputTail: tail,
    });
    run.saved = this.opts.history
      .save(run.record, run.output.all)
      .catch((err: unknown) => this.opts.log.error({ err, run: run.record.id }, 'run history not saved'))
      .finally(() => {
        this.active.delete(run.record.id);
        run.listeners.clear();
      });
  }

  private say(run: ActiveRun, text: string): void {
    this.output(run, run.output.system(text));
  }

  private output(run: ActiveRun, lines: LogLine[]): void {
    if (lines.length === 0) return;
    this.opts.onOutput(run.record.id, lines);
    for (const l of run.listeners) l({ type: 'log', lines });
  }

  private status(run: ActiveRun, change: Partial<RunRecord>): void {
    run.record = { ...run.record, ...change };
    this.opts.onStatus(run.record);
    for (const l of run.listeners) l({ type: 'status', run: run.record });
  }
}

export const isFinished = (status: RunStatus) => FINISHED_RUN_STATUSES.includes(status);
