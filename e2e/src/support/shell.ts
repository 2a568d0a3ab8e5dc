import type { RunnerClient } from '@cubicle/runner/test-support/runner-harness';
import { TerminalReader } from '@cubicle/runner/test-support/terminal-reader';

/** A shell in a repl, driven like a person would: type a command, read what it printed. */
export class Shell {
  private n = 0;
  private constructor(
    private readonly socket: RunnerClient,
    private readonly reader: TerminalReader,
    private readonly term: string,
  ) {}

  static async open(socket: RunnerClient): Promise<Shell> {
    const reader = new TerminalReader(socket);
    const { id } = (await socket.emitWithAck('terminal:create', { cols: 200, rows: 50 })) as { id: string };
    return new Shell(socket, reader, id);
  }

  /** Runs `cmd`; resolves with its output and exit status. */
  async run(cmd: string, timeoutMs = 15_000): Promise<{ out: string; status: number }> {
    const mark = `__done_${++this.n}_`;
    this.reader.clear(this.term);
    const separator = cmd.trimEnd().endsWith('&') ? ' ' : '; '; // `cmd &` already ends the command
    this.socket.emit('terminal:write', { id: this.term, data: `${cmd}${separator}echo "${mark}$?__"\r` });
    const text = await this.reader.waitFor(this.term, new RegExp(`${mark}(\\d+)__`), timeoutMs);
    const status = Number(new RegExp(`${mark}(\\d+)__`).exec(text)?.[1]);
    return { out: text, status };
  }
}
