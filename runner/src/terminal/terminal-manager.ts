import { randomBytes } from 'node:crypto';
import { DEFAULT_TERMINAL_ID, type TerminalInfo } from '@cubicle/protocol';
import { RunnerError } from '../errors.js';
import type { Logger } from '../log.js';
import { DEFAULT_TERMINAL_COLS, DEFAULT_TERMINAL_ROWS } from '../tuning.js';
import type { ScreenMirror } from './screen-mirror.js';
import type { TerminalClient } from './terminal-client.js';
import { type AttachOptions, TerminalSession } from './terminal-session.js';

export interface TerminalManagerOptions {
  shell: string;
  cwd: string;
  /** The environment of a new shell (the repl's variables change between shells). */
  env(): Record<string, string>;
  mirror: ScreenMirror;
  graceMs: number;
  flowHighWatermark: number;
  flowLowWatermark: number;
  log: Logger;
  onOutput(length: number): void;
  /** The set of terminals changed (metrics). */
  onCountChange(count: number): void;
}

/**
 * The runner's terminals by id. A terminal nobody is attached to is kept for a grace period
 * (a page reload, a dropped connection) and then closed.
 */
export class TerminalManager {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private closing = false;

  constructor(private readonly opts: TerminalManagerOptions) {}

  get count(): number {
    return this.sessions.size;
  }

  list(): TerminalInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  create(cols: number, rows: number, id?: string): TerminalSession {
    if (this.closing) throw new RunnerError('EUNAVAILABLE', 'the runner is shutting down');
    const termId = id ?? randomBytes(6).toString('hex');
    if (this.sessions.has(termId)) throw new RunnerError('EEXIST', `terminal ${termId} already exists`);
    const { opts } = this;
    const session: TerminalSession = new TerminalSession({
      id: termId,
      cols,
      rows,
      shell: opts.shell,
      cwd: opts.cwd,
      env: opts.env(),
      mirror: opts.mirror,
      flowHighWatermark: opts.flowHighWatermark,
      flowLowWatermark: opts.flowLowWatermark,
      onOutput: opts.onOutput,
      onInputError: (err) => opts.log.warn({ err, terminal: termId }, 'terminal input was lost: the PTY refused it'),
      onExit: (exitCode, signal) => {
        opts.log.info({ terminal: termId, exitCode, signal }, 'terminal exited');
        this.forget(termId, session);
      },
    });
    this.sessions.set(termId, session);
    opts.log.info({ terminal: termId, pid: session.pid, cols, rows }, 'terminal created');
    opts.onCountChange(this.sessions.size);
    this.scheduleGrace(session); // created, but nobody may ever attach
    return session;
  }

  has(id: string | undefined): boolean {
    return this.sessions.has(id ?? DEFAULT_TERMINAL_ID);
  }

  get(id: string | undefined): TerminalSession {
    const session = this.sessions.get(id ?? DEFAULT_TERMINAL_ID);
    if (!session) throw new RunnerError('ENOENT', `no terminal ${id ?? DEFAULT_TERMINAL_ID}`);
    return session;
  }

  /** The original one-terminal protocol: a bare `terminal:write` uses (and attaches to) the default terminal. */
  async defaultFor(client: TerminalClient): Promise<TerminalSession> {
    const existing = this.sessions.get(DEFAULT_TERMINAL_ID);
    const session = existing ?? this.create(DEFAULT_TERMINAL_COLS, DEFAULT_TERMINAL_ROWS, DEFAULT_TERMINAL_ID);
    if (!session.isAttached(client.key)) await this.attach(session, client, { replay: existing !== undefined });
    return session;
  }

  /** Attaches with a replay of the screen; a terminal created this tick has nothing to replay. */
  async attach(session: TerminalSession, client: TerminalClient, options: AttachOptions = {}): Promise<void> {
    this.cancelGrace(session.id);
    await session.attach(client, options);
  }

  detach(session: TerminalSession, clientKey: string): void {
    session.detach(clientKey);
    this.scheduleGrace(session);
  }

  /** A socket went away: it leaves every terminal, which then may start their grace periods. */
  detachEverywhere(clientKey: string): void {
    for (const session of this.sessions.values()) {
      if (session.isAttached(clientKey)) this.detach(session, clientKey);
    }
  }

  async close(id: string): Promise<void> {
    await this.get(id).close();
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  private scheduleGrace(session: TerminalSession): void {
    // A session already gone (a stream closed by its shell's exit) has no grace; its id may be reused.
    if (this.sessions.get(session.id) !== session) return;
    if (session.attachedCount > 0 || this.graceTimers.has(session.id)) return;
    const timer = setTimeout(() => {
      this.graceTimers.delete(session.id);
      if (session.attachedCount > 0) return;
      this.opts.log.info({ terminal: session.id }, 'terminal unattended past its grace period; closing');
      void session.close();
    }, this.opts.graceMs);
    timer.unref();
    this.graceTimers.set(session.id, timer);
  }

  private cancelGrace(id: string): void {
    clearTimeout(this.graceTimers.get(id));
    this.graceTimers.delete(id);
  }

  private forget(id: string, session: TerminalSession): void {
    if (this.sessions.get(id) !== session) return;
    this.sessions.delete(id);
    this.cancelGrace(id);
    this.opts.onCountChange(this.sessions.size);
  }
}
