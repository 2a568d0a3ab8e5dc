import { spawn } from 'node:child_process';
import type { LogStream } from '@cubicle/protocol';
import type { ReplMemoryLimit } from '../support/memory-limit.js';
import { sessionMembers, signalSession } from '../support/process-session.js';

export interface CommandExit {
  exitCode: number | null;
  signal: string | null;
  /** Killed by the kernel because the repl as a whole went over its memory limit. */
  outOfMemory?: boolean;
}

/** How a command ended, in words: "exited with code 1", "was killed by SIGTERM", or out of memory. */
export function describeExit(exit: CommandExit, memory: ReplMemoryLimit | undefined): string {
  if (exit.outOfMemory && memory) return memory.describeKill();
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
}

export interface SessionCommandOptions {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Tells an out-of-memory kill from any other SIGKILL. */
  memory?: ReplMemoryLimit;
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
    const oomKillsBefore = opts.memory?.oomKills() ?? 0;
    this.exited = new Promise((resolve) => {
      // 'close' waits for the pipes to drain, so no output is lost.
      child.once('close', (code, signal) => {
        // The leader is gone; whatever it left running in its session goes too.
        signalSession(this.pid, 'SIGKILL');
        // bash reports a child killed by a signal as 128 + its number.
        const killed = signal === 'SIGKILL' || code === 128 + 9;
        const outOfMemory = killed && (opts.memory?.oomKills() ?? 0) > oomKillsBefore;
        resolve({ exitCode: code, signal, ...(outOfMemory ? { outOfMemory } : {}) });
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
