import type { TerminalInfo } from '@cubicle/protocol';
import type { IPty } from 'node-pty';
import * as pty from 'node-pty';
import { signalSession } from '../support/process-session.js';
import {
  MIRROR_HIGH_WATERMARK_BYTES,
  MIRROR_LOW_WATERMARK_BYTES,
  OUTPUT_COALESCE_MS,
  OUTPUT_INTERACTIVE_BYTES,
  OUTPUT_MAX_CHUNK_BYTES,
  TERMINAL_KILL_GRACE_MS,
} from '../tuning.js';
import { FlowGate } from './flow-gate.js';
import { OutputCoalescer } from './output-coalescer.js';
import { PtyInput } from './pty-input.js';
import type { MirrorHandle, ScreenMirror } from './screen-mirror.js';
import type { TerminalClient } from './terminal-client.js';
import { Utf8Chunker } from './utf8-chunker.js';

export interface TerminalSessionOptions {
  id: string;
  cols: number;
  rows: number;
  shell: string;
  cwd: string;
  env: Record<string, string>;
  mirror: ScreenMirror;
  flowHighWatermark: number;
  flowLowWatermark: number;
  /** Every byte or character sent to clients, once per client (metrics). */
  onOutput(length: number): void;
  onExit(exitCode: number, signal: number | null): void;
  /** Input could not be written (the shell's side of the PTY is gone). */
  onInputError(err: Error): void;
}

export interface AttachOptions {
  /** Send the current screen and scrollback first (not for a terminal created this tick). */
  replay?: boolean;
  /** Send output as bytes rather than strings (see TerminalCreateRequest in the protocol). */
  binary?: boolean | undefined;
}

interface Attachment {
  client: TerminalClient;
  /** Output as bytes (the client asked for `binary`) or as strings. */
  binary: boolean;
  /** Payload lengths sent to this client since it attached, replay included: bytes or characters. */
  sent: number;
  acked: number;
  /** Set by the client's first ack: only then does its backlog pause the PTY. */
  acking: boolean;
  /** Live output held back while the replay snapshot is being made; null once live. */
  held: Buffer[] | null;
  stopDrainWatch: () => void;
}

/**
 * One shell in a PTY, owned by the runner, not by any socket. Output stays bytes from the PTY
 * to the socket (cut on character boundaries, never decoded unless a client wants strings): it
 * is coalesced, copied to the headless terminal that mirrors the screen for replay, and fanned
 * out to every attached client; the PTY is paused while any acking client, slow transport or
 * the mirror is too far behind.
 */
export class TerminalSession {
  readonly id: string;
  readonly createdAt = Date.now();
  cols: number;
  rows: number;
  title: string;
  private readonly pty: IPty;
  private readonly attachments = new Map<string, Attachment>();
  private readonly coalescer: OutputCoalescer;
  private readonly gate: FlowGate;
  private readonly mirror: MirrorHandle;
  /** Writes input itself where node-pty exposes the master's descriptor (it always does on Unix). */
  private readonly input: { write(data: string): void; dispose(): void };
  private exited = false;
  private readonly exitPromise: Promise<void>;

  constructor(private readonly opts: TerminalSessionOptions) {
    this.id = opts.id;
    this.cols = opts.cols;
    this.rows = opts.rows;
    this.title = opts.shell.split('/').pop() ?? 'shell';
    this.pty = pty.spawn(opts.shell, [], {
      name: 'xterm-256color',
      cols: opts.cols,
      rows: opts.rows,
      cwd: opts.cwd,
      env: opts.env,
      encoding: null, // bytes: most clients take bytes, and Utf8Chunker keeps characters whole
    });
    this.input = this.directInput() ?? { write: (data) => this.pty.write(data), dispose: () => {} };
    this.gate = new FlowGate((paused) => (paused ? this.pty.pause() : this.pty.resume()));
    this.mirror = opts.mirror.open(opts.cols, opts.rows, {
      onBacklog: (bytes) => this.gate.report('mirror', bytes, MIRROR_HIGH_WATERMARK_BYTES, MIRROR_LOW_WATERMARK_BYTES),
      onTitle: (title) => {
        this.title = title;
      },
    });
    this.coalescer = new OutputCoalescer(OUTPUT_COALESCE_MS, OUTPUT_MAX_CHUNK_BYTES, OUTPUT_INTERACTIVE_BYTES, (d) =>
      this.deliver(d),
    );
    const chunker = new Utf8Chunker();
    // With `encoding: null` node-pty emits Buffers; its typings only know strings.
    this.pty.onData((d: string | Buffer) => {
      const bytes = chunker.push(typeof d === 'string' ? Buffer.from(d) : d);
      if (bytes.length > 0) this.coalescer.push(bytes);
    });
    this.exitPromise = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => {
        this.finish(exitCode, signal ? signal : null);
        resolve();
      });
    });
  }

  /**
   * PtyInput on the master's descriptor, given up when node-pty closes it: its 'close' event comes
   * as the descriptor's reader ends, before the descriptor is closed. Neither is in node-pty's
   * typings (both are in its UnixTerminal): without them, node-pty writes.
   */
  private directInput(): PtyInput | null {
    const internals = this.pty as unknown as { fd?: unknown; on?: unknown };
    const { fd, on } = internals;
    if (typeof fd !== 'number' || typeof on !== 'function') return null;
    const input = new PtyInput(fd, (err) => this.opts.onInputError(err));
    on.call(this.pty, 'close', () => input.dispose());
    return input;
  }

  get pid(): number {
    return this.pty.pid;
  }

  get attachedCount(): number {
    return this.attachments.size;
  }

  get isExited(): boolean {
    return this.exited;
  }

  info(): TerminalInfo {
    return {
      id: this.id,
      pid: this.pid,
      cols: this.cols,
      rows: this.rows,
      title: this.title,
      createdAt: this.createdAt,
    };
  }

  /**
   * Attaches a client and replays the screen and scrollback. Output produced while the
   * snapshot is made is held for this client and sent right after it, so nothing is lost or
   * shown twice. Re-attaching the same client starts it over (a client resets its screen).
   */
  async attach(client: TerminalClient, { replay = true, binary = false }: AttachOptions = {}): Promise<void> {
    this.detach(client.key);
    const attachment: Attachment = {
      client,
      binary,
      sent: 0,
      acked: 0,
      acking: false,
      held: replay ? [] : null,
      stopDrainWatch: client.onDrain(() => this.checkBackpressure(attachment)),
    };
    this.attachments.set(client.key, attachment);
    if (!replay) return;
    const snapshot = await this.mirror.snapshot();
    if (this.attachments.get(client.key) !== attachment) return; // detached meanwhile
    const held = attachment.held ?? [];
    attachment.held = null;
    this.sendTo(attachment, attachment.binary ? Buffer.from(snapshot) : snapshot);
    for (const data of held) this.sendTo(attachment, data);
  }

  detach(clientKey: string): void {
    const attachment = this.attachments.get(clientKey);
    if (!attachment) return;
    attachment.stopDrainWatch();
    this.attachments.delete(clientKey);
    this.gate.release(`client:${clientKey}`);
    this.gate.release(`transport:${clientKey}`);
  }

  isAttached(clientKey: string): boolean {
    return this.attachments.has(clientKey);
  }

  write(data: string): void {
    if (!this.exited) this.input.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exited) return;
    this.coalescer.flush(); // output drawn at the old size reaches the mirror before the resize
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    this.mirror.resize(cols, rows);
  }

  ack(clientKey: string, length: number): void {
    const attachment = this.attachments.get(clientKey);
    if (!attachment) return;
    attachment.acking = true;
    attachment.acked = Math.min(attachment.sent, attachment.acked + length);
    this.checkBackpressure(attachment);
  }

  /** Hangs up the shell's whole session, then kills what is left after a grace period. */
  async close(): Promise<void> {
    if (this.exited) return;
    const sid = this.pty.pid;
    signalSession(sid, 'SIGHUP');
    this.pty.resume(); // a paused PTY must not keep a dying shell blocked on write
    const timer = setTimeout(() => signalSession(sid, 'SIGKILL'), TERMINAL_KILL_GRACE_MS);
    await this.exitPromise;
    clearTimeout(timer);
    signalSession(sid, 'SIGKILL'); // background jobs that ignored SIGHUP
  }

  private deliver(data: Buffer): void {
    this.mirror.write(data);
    let text: string | undefined; // decoded once, for the clients that take strings
    for (const attachment of this.attachments.values()) {
      if (attachment.held) attachment.held.push(data);
      else if (attachment.binary) this.sendTo(attachment, data);
      else {
        text ??= data.toString('utf8');
        this.sendTo(attachment, text);
      }
    }
  }

  private sendTo(attachment: Attachment, data: Buffer | string): void {
    const payload = attachment.binary || typeof data === 'string' ? data : data.toString('utf8');
    if (payload.length === 0) return;
    attachment.client.sendData({ id: this.id, data: payload });
    attachment.sent += payload.length;
    this.opts.onOutput(payload.length);
    this.checkBackpressure(attachment);
  }

  private checkBackpressure(attachment: Attachment): void {
    const key = attachment.client.key;
    if (!this.attachments.has(key)) return;
    const { flowHighWatermark: high, flowLowWatermark: low } = this.opts;
    this.gate.report(`client:${key}`, attachment.acking ? attachment.sent - attachment.acked : 0, high, low);
    const transport = attachment.client.backlog();
    this.gate.report(`transport:${key}`, transport.queued, transport.high, transport.low);
  }

  private finish(exitCode: number, signal: number | null): void {
    if (this.exited) return;
    this.coalescer.flush();
    this.coalescer.dispose();
    this.exited = true;
    this.input.dispose();
    for (const attachment of this.attachments.values()) {
      attachment.stopDrainWatch();
      attachment.client.sendExit({ id: this.id, exitCode, signal });
    }
    this.attachments.clear();
    this.mirror.dispose();
    this.opts.onExit(exitCode, signal);
  }
}
