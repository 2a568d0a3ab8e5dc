import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import { type RunnerConnection, RunnerRequestError } from '../../runner/runner-connection';
import { TerminalStream } from '../../runner/terminal-stream';
import {
  RECONNECT_DELAY_MS,
  TERMINAL_ACK_BATCH_BYTES,
  TERMINAL_ACK_IDLE_MS,
  TERMINAL_RESIZE_DEBOUNCE_MS,
  TERMINAL_SCROLLBACK_LINES,
} from '../../tuning';
import { ideSettings } from '../settings/ide-settings';
import { AckCounter } from './ack-counter';
import { type InputNotice, TerminalInput } from './terminal-input';

/** `reconnecting`: the socket dropped; input is blocked until the runner replays the screen. */
export type TerminalStatus = 'attaching' | 'ready' | 'reconnecting' | 'exited' | 'failed';

/**
 * One terminal tab: an xterm.js view of a runner-owned shell (docs/architecture.md, "A keystroke
 * in the terminal"). Attaches by id (creating the shell if it is gone) over the terminal's own
 * stream, acknowledges rendered output for flow control, and after a reconnect clears and
 * re-attaches so the runner's replay is the screen, never a duplicate.
 */
export class TerminalTab {
  status: TerminalStatus = 'attaching';
  exitCode: number | null = null;
  revision = 0;
  /** A large paste's progress, or why input did not reach the shell. */
  inputNotice: InputNotice | null = null;
  readonly search = new SearchAddon();
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly acks = new AckCounter(TERMINAL_ACK_BATCH_BYTES);
  private ackTimer: ReturnType<typeof setTimeout> | undefined;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly cleanups: (() => void)[] = [];
  private readonly listeners = new Set<() => void>();
  private observer: ResizeObserver | null = null;
  private sentSize = '';
  private readonly typed: TerminalInput;
  private stream: TerminalStream | null = null;
  /** Bumped by every attach: an older attach that finishes late gives up. */
  private attachSeq = 0;
  private reattachTimer: ReturnType<typeof setTimeout> | undefined;
  /** Ctrl/Cmd+Shift+F in the terminal (plain Ctrl+F belongs to the shell). */
  onFindRequested: (() => void) | null = null;

  constructor(
    private readonly connection: RunnerConnection,
    readonly id: string,
    private readonly onReady: () => void,
  ) {
    this.term = new Terminal({
      scrollback: TERMINAL_SCROLLBACK_LINES,
      fontFamily: 'ui-monospace, "Cascadia Code", "JetBrains Mono", Menlo, Consolas, monospace',
      cursorBlink: true,
      allowProposedApi: true,
      ...terminalLook(),
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(new WebLinksAddon());
    this.term.attachCustomKeyEventHandler((e) => {
      const find = e.type === 'keydown' && e.shiftKey && (e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f';
      if (find) this.onFindRequested?.();
      return !find;
    });
    this.typed = new TerminalInput({
      send: (data) => this.stream?.send({ type: 'input', data }),
      write: async (data) => {
        if (!this.stream) throw new RunnerRequestError('EUNAVAILABLE', 'the terminal is not connected');
        await this.stream.sendPiece(data);
      },
      notice: (notice) => {
        this.inputNotice = notice;
        this.changed();
      },
    });
    const input = this.term.onData((data) => this.input(data));
    this.cleanups.push(
      ideSettings.subscribe(() => {
        Object.assign(this.term.options, terminalLook());
        this.fitNow(); // a new font size changes how many rows and columns fit
      }),
      () => input.dispose(),
      connection.onState((s) => {
        if (s === 'connected') void this.attach();
        else if (s === 'reconnecting' && this.status !== 'exited') this.setStatus('reconnecting');
      }),
    );
  }

  /** Shows the terminal in `el` (once) and starts following its size. */
  open(el: HTMLElement): void {
    if (this.observer) return;
    this.term.open(el);
    this.fitNow();
    this.observer = new ResizeObserver(() => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.fitNow(), TERMINAL_RESIZE_DEBOUNCE_MS);
    });
    this.observer.observe(el);
    if (this.connection.state === 'connected') void this.attach();
  }

  focus(): void {
    this.term.focus();
  }

  /** Types into the shell as if the person had (the Run button's command). */
  paste(data: string): void {
    this.input(data);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Leaves the shell running on the runner (another tab or a reload can attach to it). */
  dispose(): void {
    for (const c of this.cleanups) c();
    this.attachSeq += 1;
    this.stream?.close();
    this.stream = null;
    clearTimeout(this.reattachTimer);
    clearTimeout(this.ackTimer);
    clearTimeout(this.resizeTimer);
    this.observer?.disconnect();
    this.term.dispose();
    this.listeners.clear();
  }

  /** Ends the shell itself. */
  close(): void {
    this.connection.send('terminal:close', { id: this.id });
    this.dispose();
  }

  private async attach(): Promise<void> {
    const seq = ++this.attachSeq;
    clearTimeout(this.reattachTimer);
    this.stream?.close();
    this.stream = null;
    this.setStatus(this.status === 'ready' || this.status === 'reconnecting' ? 'reconnecting' : 'attaching');
    this.term.options.disableStdin = true;
    this.term.reset(); // the replay that follows is the whole screen and scrollback
    clearTimeout(this.ackTimer);
    this.acks.flush(); // counts from the old stream mean nothing to the new one
    let stream: TerminalStream;
    try {
      const ticket = await this.ticket();
      if (seq !== this.attachSeq) return;
      stream = new TerminalStream(this.connection.url, ticket, {
        onOutput: (data) => this.output(stream, data),
        onExit: ({ exitCode }) => this.exited(exitCode),
        onDrop: () => this.dropped(),
      });
      this.stream = stream;
      await stream.opened;
    } catch {
      if (seq === this.attachSeq) this.setStatus('failed');
      return;
    }
    if (seq !== this.attachSeq) return;
    stream.send({ type: 'ack', bytes: 0 }); // opt in to flow control
    this.exitCode = null;
    this.term.options.disableStdin = false;
    this.setStatus('ready');
    this.sentSize = '';
    this.fitNow();
    this.onReady();
  }

  /** A ticket for this terminal's stream, creating the shell if it is gone. */
  private async ticket(): Promise<string> {
    let ticket: string | undefined;
    try {
      ({ ticket } = await this.connection.request('terminal:attach', { id: this.id, binary: true, stream: true }));
    } catch (err) {
      if (!(err instanceof RunnerRequestError && err.code === 'ENOENT')) throw err;
      const size = { cols: this.term.cols, rows: this.term.rows };
      ({ ticket } = await this.connection.request('terminal:create', {
        id: this.id,
        ...size,
        binary: true,
        stream: true,
      }));
    }
    if (!ticket) throw new RunnerRequestError('EINTERNAL', 'the runner gave no terminal stream');
    return ticket;
  }

  private exited(exitCode: number): void {
    this.stream = null;
    this.exitCode = exitCode;
    this.setStatus('exited');
    this.term.write(`\r\n\x1b[2m[process exited with code ${exitCode}; press Enter for a new shell]\x1b[0m\r\n`);
  }

  /** The stream ended but the shell may not have: attach again once the runner is reachable. */
  private dropped(): void {
    this.stream = null;
    if (this.status === 'exited') return;
    this.setStatus('reconnecting');
    clearTimeout(this.reattachTimer);
    // While the Socket.io connection is down its reconnect attaches; otherwise try again shortly.
    this.reattachTimer = setTimeout(() => {
      if (this.connection.state === 'connected' && this.status === 'reconnecting') void this.attach();
    }, RECONNECT_DELAY_MS);
  }

  private input(data: string): void {
    if (this.status === 'exited') {
      if (data === '\r') void this.attach();
      return;
    }
    if (this.status === 'ready') this.typed.push(data);
  }

  dismissNotice(): void {
    this.inputNotice = null;
    this.changed();
  }

  /** Output comes as bytes (asked for with `binary`): xterm.js decodes UTF-8 itself. */
  private output(stream: TerminalStream, chunk: Uint8Array | string): void {
    this.term.write(chunk, () => {
      if (stream !== this.stream) return; // rendered after a re-attach: the new stream counts afresh
      const bytes = this.acks.rendered(chunk.length);
      if (bytes) stream.send({ type: 'ack', bytes });
      clearTimeout(this.ackTimer);
      this.ackTimer = setTimeout(() => {
        const rest = this.acks.flush();
        if (rest) this.stream?.send({ type: 'ack', bytes: rest });
      }, TERMINAL_ACK_IDLE_MS);
    });
  }

  private fitNow(): void {
    const el = this.term.element;
    if (!el || el.offsetParent === null) return; // hidden tab: fit when shown
    this.fit.fit();
    this.sendSize();
  }

  private sendSize(): void {
    const size = `${this.term.cols}x${this.term.rows}`;
    if (size === this.sentSize || this.status === 'exited') return;
    if (this.stream?.send({ type: 'resize', cols: this.term.cols, rows: this.term.rows })) this.sentSize = size;
  }

  private setStatus(s: TerminalStatus): void {
    this.status = s;
    if (s !== 'ready') this.typed.reset();
    this.changed();
  }

  private changed(): void {
    this.revision += 1;
    for (const l of this.listeners) l();
  }
}

/** The terminal's font size and colours from the person's settings. */
function terminalLook() {
  const { fontSize, theme } = ideSettings.current;
  return {
    fontSize,
    theme:
      theme === 'dark'
        ? { background: '#1e1f24' }
        : { background: '#ffffff', foreground: '#1f2328', cursor: '#1f2328', selectionBackground: '#b6d3ff' },
  };
}
