import type { LogLine, ProcessInfo, ProcessState } from '@cubicle/protocol';
import type { Logger } from '../log.js';
import type { ReplMemoryLimit } from '../support/memory-limit.js';
import { sessionUsage } from '../support/process-stats.js';
import {
  CRASH_SUMMARY_LINES,
  PROCESS_BACKOFF_MAX_MS,
  PROCESS_LOG_LINES,
  PROCESS_MAX_RESTARTS,
  PROCESS_RESTART_WINDOW_MS,
  PROCESS_SAMPLE_MS,
  PROCESS_STABLE_MS,
  PROCESS_STARTUP_GRACE_MS,
  PROCESS_STOP_GRACE_MS,
} from '../tuning.js';
import { crashSummary } from './crash-summary.js';
import { LogRing } from './log-ring.js';
import { type CommandExit, describeExit, SessionCommand } from './session-command.js';

export interface SupervisedProcessOptions {
  name: string;
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  memoryLimitBytes: number | null;
  /** The repl's own memory limit, to say when it killed the process. */
  replMemory?: ReplMemoryLimit;
  /** First restart delay; doubles per consecutive crash up to PROCESS_BACKOFF_MAX_MS. */
  backoffMs: number;
  log: Logger;
  onStatus(info: ProcessInfo): void;
  onLog(name: string, lines: LogLine[]): void;
}

/**
 * One named long-lived process under supervision (the PM2 part of the Run button): started
 * through the shell in its own session, restarted on a crash with exponential backoff until it
 * crashes too often (`errored`), restarted when its session uses more memory than allowed.
 */
export class SupervisedProcess {
  readonly logs = new LogRing(PROCESS_LOG_LINES);
  private state: ProcessState = 'stopped';
  private current: SessionCommand | null = null;
  private startedAt: number | null = null;
  private exit: CommandExit = { exitCode: null, signal: null };
  private restarts = 0;
  private crashes: number[] = [];
  private message: string | null = null;
  private cpuPercent: number | null = null;
  private memoryBytes: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sampler: ReturnType<typeof setInterval> | undefined;
  /** Bumped by every start/stop: a launch or exit from an older generation is ignored. */
  private generation = 0;

  constructor(private readonly opts: SupervisedProcessOptions) {}

  get name(): string {
    return this.opts.name;
  }

  /** A new command or environment takes effect at the next start (a running process is not disturbed). */
  configure(command: string, env: NodeJS.ProcessEnv): void {
    this.opts.command = command;
    this.opts.env = env;
  }

  get isRunning(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  info(): ProcessInfo {
    return {
      name: this.opts.name,
      command: this.opts.command,
      state: this.state,
      pid: this.current?.pid ?? null,
      restarts: this.restarts,
      startedAt: this.startedAt,
      exitCode: this.exit.exitCode,
      signal: this.exit.signal,
      cpuPercent: this.cpuPercent,
      memoryBytes: this.memoryBytes,
      memoryLimitBytes: this.opts.memoryLimitBytes,
      message: this.message,
    };
  }

  /** Started by a person (or the API): counters reset; a running process is left as it is. */
  async start(): Promise<void> {
    if (this.current) return;
    this.generation++;
    clearTimeout(this.timer);
    this.restarts = 0;
    this.crashes = [];
    this.message = null;
    this.launch();
  }

  async stop(): Promise<void> {
    this.generation++;
    clearTimeout(this.timer);
    const running = this.current;
    if (running) {
      this.say('stopping');
      await running.terminate(PROCESS_STOP_GRACE_MS);
    }
    this.setState('stopped');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private launch(): void {
    const generation = this.generation;
    this.exit = { exitCode: null, signal: null };
    this.cpuPercent = null;
    this.memoryBytes = null;
    this.say(`$ ${this.opts.command}`);
    let command: SessionCommand;
    try {
      command = new SessionCommand({
        command: this.opts.command,
        cwd: this.opts.cwd,
        env: this.opts.env,
        memory: this.opts.replMemory,
        onOutput: (stream, text) => this.emit(this.logs.write(stream, text)),
      });
    } catch (err) {
      this.message = `could not start: ${(err as Error).message}`;
      this.setState('errored');
      return;
    }
    this.current = command;
    this.startedAt = Date.now();
    this.setState('starting');
    this.timer = setTimeout(() => {
      if (generation === this.generation && this.current === command) this.setState('running');
    }, PROCESS_STARTUP_GRACE_MS);
    this.startSampling(command);
    void command.exited.then((exit) => this.exited(command, generation, exit));
  }

  private exited(command: SessionCommand, generation: number, exit: CommandExit): void {
    clearInterval(this.sampler);
    this.emit(this.logs.flush());
    if (this.current === command) this.current = null;
    this.exit = exit;
    if (generation !== this.generation) return; // stopped or restarted on purpose
    clearTimeout(this.timer);
    const how = describeExit(exit, this.opts.replMemory);
    if (exit.exitCode === 0) {
      this.message = null;
      this.say(`${how}`);
      this.setState('stopped');
      return;
    }
    const now = Date.now();
    if (this.startedAt !== null && now - this.startedAt > PROCESS_STABLE_MS) this.crashes = [];
    this.crashes = [...this.crashes.filter((t) => now - t < PROCESS_RESTART_WINDOW_MS), now];
    if (this.crashes.length > PROCESS_MAX_RESTARTS) {
      const error = crashSummary(
        this.logs
          .tail(CRASH_SUMMARY_LINES)
          .filter((l) => l.stream !== 'system')
          .map((l) => l.text),
      );
      this.message = `${error ? `${error} (${how})` : how}; crashed ${this.crashes.length} times in ${PROCESS_RESTART_WINDOW_MS / 1000} s, not restarting`;
      this.say(this.message);
      this.setState('errored');
      return;
    }
    const delay = Math.min(PROCESS_BACKOFF_MAX_MS, this.opts.backoffMs * 2 ** (this.crashes.length - 1));
    this.message = `${how}; restarting in ${(delay / 1000).toFixed(1)} s`;
    this.say(this.message);
    this.setState('backoff');
    this.timer = setTimeout(() => {
      if (generation !== this.generation) return;
      this.restarts++;
      this.launch();
    }, delay);
  }

  private startSampling(command: SessionCommand): void {
    let last = { at: Date.now(), cpu: 0 };
    clearInterval(this.sampler);
    this.sampler = setInterval(() => {
      if (this.current !== command) return;
      const usage = sessionUsage(command.pid);
      const now = Date.now();
      this.cpuPercent = Math.max(0, ((usage.cpuSeconds - last.cpu) / ((now - last.at) / 1000)) * 100);
      this.memoryBytes = usage.rssBytes;
      last = { at: now, cpu: usage.cpuSeconds };
      const limit = this.opts.memoryLimitBytes;
      if (limit !== null && usage.rssBytes > limit) {
        void this.overMemory(command, usage.rssBytes, limit);
      } else {
        this.opts.onStatus(this.info());
      }
    }, PROCESS_SAMPLE_MS);
    this.sampler.unref();
  }

  private async overMemory(command: SessionCommand, used: number, limit: number): Promise<void> {
    const generation = ++this.generation;
    clearInterval(this.sampler);
    const mb = (n: number) => `${Math.round(n / 1024 / 1024)} MB`;
    this.message = `used ${mb(used)}, over its ${mb(limit)} limit: restarted`;
    this.say(this.message);
    this.opts.log.warn({ process: this.opts.name, used, limit }, 'process over its memory limit, restarting');
    await command.terminate(PROCESS_STOP_GRACE_MS);
    if (generation !== this.generation) return;
    this.restarts++;
    this.launch();
  }

  private say(text: string): void {
    this.emit(this.logs.system(text));
  }

  private emit(lines: LogLine[]): void {
    if (lines.length) this.opts.onLog(this.opts.name, lines);
  }

  private setState(state: ProcessState): void {
    this.state = state;
    if (state === 'stopped' || state === 'errored') {
      this.cpuPercent = null;
      this.memoryBytes = null;
    }
    this.opts.onStatus(this.info());
  }
}
