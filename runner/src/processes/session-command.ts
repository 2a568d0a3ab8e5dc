import { spawn } from 'node:child_process';
import type { LogStream } from '@cubicle/protocol';
import { sessionMembers, signalSession } from '../support/process-session.js';

export interface CommandExit {
  exitCode: number | null;
  signal: string | null;
}

export interface SessionCommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  onOutput(stream: LogStream, text: string): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A shell command in a session of its own (setsid), read through pipes — not a PTY, whose last
 * output can be lost at exit. Everything it starts stays in the session, so `terminate` and the
 * end of the leader leave nothing behind (unless a process calls setsid itself).
 */
export class SessionCommand {
  readonly pid: number;
  readonly exited: Promise<CommandExit>;

  constructor(opts: SessionCommandOptions) {
    const child = spawn('/bin/bash', ['-c', opts.command], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true, // setsid(): its own session and process group
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('spawn failed');
    this.pid = child.pid;
    child.stdout.setEncoding('utf8'); // a StringDecoder: UTF-8 is never split mid-character
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => opts.onOutput('stdout', d));
    child.stderr.on('data', (d: string) => opts.onOutput('stderr', d));
    this.exited = new Promise((resolve) => {
      // 'close' waits for the pipes to drain, so no output is lost.
      child.once('close', (code, signal) => {
        // The leader is gone; whatever it left running in its session goes too.
        signalSession(this.pid, 'SIGKILL');
        resolve({ exitCode: code, signal });
      });
      child.once('error', () => resolve({ exitCode: 127, signal: null }));
    });
  }

  /** SIGTERM to the whole session, SIGKILL after `graceMs`; resolves once every member is gone. */
  async terminate(graceMs: number): Promise<CommandExit> {
    signalSession(this.pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    const done = this.exited.then(() => true);
    while (Date.now() < deadline) {
      if (await Promise.race([done, sleep(50).then(() => false)])) break;
    }
    signalSession(this.pid, 'SIGKILL');
    const exit = await this.exited;
    while (sessionMembers(this.pid).length > 0) await sleep(20);
    return exit;
  }
}
