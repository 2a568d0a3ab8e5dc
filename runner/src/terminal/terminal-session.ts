import type { TerminalInfo } from '@cubicle/protocol';
import type { IPty } from 'node-pty';
import * as pty from 'node-pty';
import { signalSession } from '../support/process-session.js';
import {
  MIRROR_HIGH_WATERMARK_CHARS,
  MIRROR_LOW_WATERMARK_CHARS,
  OUTPUT_COALESCE_MS,
  OUTPUT_INTERACTIVE_CHARS,
  OUTPUT_MAX_CHUNK_CHARS,
  TERMINAL_KILL_GRACE_MS,
  TRANSPORT_HIGH_PACKETS,
} from '../tuning.js';
import { FlowGate } from './flow-gate.js';
import { OutputCoalescer } from './output-coalescer.js';
import type { MirrorHandle, ScreenMirror } from './screen-mirror.js';
import type { TerminalClient } from './terminal-client.js';

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
  /** Every character sent to clients, once per client (metrics). */
  onOutput(chars: number): void;
  onExit(exitCode: number, signal: number | null): void;
}

interface Attachment {
  client: TerminalClient;
  /** Characters sent to this client since it attached, replay included. */
  sent: number;
  acked: number;
  /** Set by the client's first ack: only then does its backlog pause the PTY. */
  acking: boolean;
  /** Live output held back while the replay snapshot is being made; null once live. */
  held: string[] | null;
  stopDrainWatch: () => void;
}

/**
 * One shell in a PTY, owned by the runner, not by any socket. Output is coalesced, mirrored
 * into a headless terminal for replay, and fanned out to every attached client; the PTY is
 * paused while any acking client, slow transport or the mirror is too far behind.
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
      encoding: 'utf8', // node-pty decodes with a streaming decoder: no character is split across chunks
    });
    this.gate = new FlowGate((paused) => (paused ? this.pty.pause() : this.pty.resume()));
    this.mirror = opts.mirror.open(opts.cols, opts.rows, {
      onBacklog: (chars) => this.gate.report('mirror', chars, MIRROR_HIGH_WATERMARK_CHARS, MIRROR_LOW_WATERMARK_CHARS),
      onTitle: (title) => {
        this.title = title;
      },
    });
    this.coalescer = new OutputCoalescer(OUTPUT_COALESCE_MS, OUTPUT_MAX_CHUNK_CHARS, OUTPUT_INTERACTIVE_CHARS, (d) =>
      this.deliver(d),
    );
    this.pty.onData((d) => this.coalescer.push(d));
    this.exitPromise = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => {
        this.finish(exitCode, signal ? signal : null);
        resolve();
      });
    });
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
  async attach(client: TerminalClient, replay = true): Promise<void> {
    this.detach(client.key);
    const att: Attachment = {
      client,
      sent: 0,
      acked: 0,
      acking: false,
      held: replay ? [] : null,
      stopDrainWatch: client.onDrain(() => this.checkBackpressure(att)),
    };
    this.attachments.set(client.key, att);
    if (!replay) return;
    const snapshot = await this.mirror.snapshot();
    if (this.attachments.get(client.key) !== att) return; // detached meanwhile
    const held = att.held ?? [];
    att.held = null;
    for (const data of [snapshot, ...held]) this.sendTo(att, data);
  }

  detach(clientKey: string): void {
    const att = this.attachments.get(clientKey);
    if (!att) return;
    att.stopDrainWatch();
    this.attachments.delete(clientKey);
    this.gate.release(`client:${clientKey}`);
    this.gate.release(`transport:${clientKey}`);
  }

  isAttached(clientKey: string): boolean {
    return this.attachments.has(clientKey);
  }

  write(data: string): void {
    if (!this.exited) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exited) return;
    this.coalescer.flush(); // output drawn at the old size reaches the mirror before the resize
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    this.mirror.resize(cols, rows);
  }

  ack(clientKey: string, chars: number): void {
    const att = this.attachments.get(clientKey);
    if (!att) return;
    att.acking = true;
    att.acked = Math.min(att.sent, att.acked + chars);
    this.checkBackpressure(att);
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

  private deliver(data: string): void {
    this.mirror.write(data);
    for (const att of this.attachments.values()) {
      if (att.held) att.held.push(data);
      else this.sendTo(att, data);
    }
  }

  private sendTo(att: Attachment, data: string): void {
    if (data.length === 0) return;
    att.client.sendData({ id: this.id, data });
    att.sent += data.length;
    this.opts.onOutput(data.length);
    this.checkBackpressure(att);
  }

  private checkBackpressure(att: Attachment): void {
    const key = att.client.key;
    if (!this.attachments.has(key)) return;
    const { flowHighWatermark: high, flowLowWatermark: low } = this.opts;
    this.gate.report(`client:${key}`, att.acking ? att.sent - att.acked : 0, high, low);
    this.gate.report(
      `transport:${key}`,
      att.client.queuedPackets(),
      TRANSPORT_HIGH_PACKETS,
      TRANSPORT_HIGH_PACKETS / 4,
    );
  }

  private finish(exitCode: number, signal: number | null): void {
    if (this.exited) return;
    this.coalescer.flush();
    this.coalescer.dispose();
    this.exited = true;
    for (const att of this.attachments.values()) {
      att.stopDrainWatch();
      att.client.sendExit({ id: this.id, exitCode, signal });
    }
    this.attachments.clear();
    this.mirror.dispose();
    this.opts.onExit(exitCode, signal);
  }
}
