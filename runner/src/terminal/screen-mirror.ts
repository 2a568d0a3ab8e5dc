import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { HeapReclaimer } from '../support/heap-reclaimer.js';
import { MIRROR_HARVEST_QUIET_MS, MIRROR_IDLE_RETIRE_MS, MIRROR_POST_BYTES, MIRROR_POST_MS } from '../tuning.js';
import type { MirrorReply, MirrorRequest } from './screen-mirror-messages.js';

export interface MirrorEvents {
  /** Output written but not yet parsed by the worker, in bytes (drives the mirror's flow control). */
  onBacklog(bytes: number): void;
  onTitle(title: string): void;
}

/** One mirrored terminal on the host side. */
interface MirrorEntry {
  key: number;
  events: MirrorEvents;
  backlog: number;
  /** Output not posted to the worker yet (see MIRROR_POST_MS), and its size. */
  queued: Buffer[];
  queuedBytes: number;
  postTimer: NodeJS.Timeout | null;
}

/** One terminal's mirror: what was sent to clients goes in, a replayable snapshot comes out. */
export interface MirrorHandle {
  write(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** Escape sequences that redraw the screen and scrollback as of every write made before this call. */
  snapshot(): Promise<string>;
  dispose(): void;
}

/**
 * Host side of the screen-mirror worker: one worker for all terminals (a worker per terminal
 * would cost an isolate each), started with the first terminal. The socket's thread only
 * copies output to the worker; filtering and parsing happen there. If the worker
 * dies, snapshots come back empty and the mirror stops holding back the PTYs; terminals keep
 * working.
 */
export class ScreenMirror {
  private worker: Worker | null = null;
  private retireTimer: NodeJS.Timeout | null = null;
  private broken = false;
  private nextKey = 1;
  private nextRequest = 1;
  private readonly entries = new Map<number, MirrorEntry>();
  private readonly snapshots = new Map<number, (data: string) => void>();
  private readonly reclaimer = new HeapReclaimer();

  constructor(
    private readonly scrollback: number,
    private readonly log: Logger,
    private readonly idleRetireMs = MIRROR_IDLE_RETIRE_MS,
    private readonly harvestQuietMs = MIRROR_HARVEST_QUIET_MS,
  ) {}

  open(cols: number, rows: number, events: MirrorEvents): MirrorHandle {
    this.cancelRetire();
    const key = this.nextKey++;
    this.post({ type: 'open', key, cols, rows, scrollback: this.scrollback, harvestQuietMs: this.harvestQuietMs });
    const entry: MirrorEntry = { key, events, backlog: 0, queued: [], queuedBytes: 0, postTimer: null };
    this.entries.set(key, entry);
    return {
      write: (data) => {
        if (this.broken || data.length === 0) return;
        entry.backlog += data.length;
        events.onBacklog(entry.backlog);
        this.reclaimer.note(data.length);
        entry.queued.push(data);
        entry.queuedBytes += data.length;
        if (entry.queuedBytes >= MIRROR_POST_BYTES) this.postQueued(entry);
        else entry.postTimer ??= setTimeout(() => this.postQueued(entry), MIRROR_POST_MS);
      },
      resize: (c, r) => {
        this.postQueued(entry);
        this.post({ type: 'resize', key, cols: c, rows: r });
      },
      snapshot: () =>
        new Promise<string>((resolve) => {
          if (this.broken) return resolve('');
          this.postQueued(entry);
          const requestId = this.nextRequest++;
          this.snapshots.set(requestId, resolve);
          this.post({ type: 'snapshot', key, requestId });
        }),
      dispose: () => {
        this.dropQueued(entry);
        this.entries.delete(key);
        this.post({ type: 'dispose', key });
        if (this.entries.size === 0) this.scheduleRetire();
      },
    };
  }

  /**
   * Posts a terminal's queued output as one copy the worker owns (the originals may still sit in
   * a socket's send queue). Output is queued for MIRROR_POST_MS so that a keystroke's echo
   * leaves for the client before anything is posted, and a flood costs few messages.
   */
  private postQueued(entry: MirrorEntry): void {
    const { queued, queuedBytes } = entry;
    this.dropQueued(entry);
    if (queuedBytes === 0 || this.broken) return;
    // Its own store, not zeroed (every byte is written), never a slice of Node's shared buffer pool:
    // it is transferred.
    const copy = Buffer.allocUnsafeSlow(queuedBytes);
    let at = 0;
    for (const part of queued) at += part.copy(copy, at);
    this.post({ type: 'write', key: entry.key, data: copy }, [copy.buffer as ArrayBuffer]);
  }

  private dropQueued(entry: MirrorEntry): void {
    if (entry.postTimer) clearTimeout(entry.postTimer);
    entry.postTimer = null;
    entry.queued = [];
    entry.queuedBytes = 0;
  }

  async close(): Promise<void> {
    this.cancelRetire();
    this.reclaimer.dispose();
    const worker = this.worker;
    this.worker = null;
    this.broken = true;
    await worker?.terminate();
  }

  private post(message: MirrorRequest, transfer: ArrayBuffer[] = []): void {
    if (this.broken) return;
    this.ensureWorker().postMessage(message, transfer);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./screen-mirror-worker.js', import.meta.url));
    worker.on('message', (m: MirrorReply) => this.onReply(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(new Error(`screen mirror worker exited with code ${code}`));
    });
    worker.unref();
    this.worker = worker;
    this.log.info('screen mirror started');
    return worker;
  }

  /**
   * With no terminal left for a while the worker goes, and its heap with it (a flood's buffers
   * and emulators would otherwise keep the runner's memory high for good); the next terminal
   * starts another. The delay spares closing one terminal and opening the next a worker start.
   */
  private scheduleRetire(): void {
    this.cancelRetire();
    this.retireTimer = setTimeout(() => {
      this.retireTimer = null;
      const worker = this.worker;
      if (!worker || this.entries.size > 0 || this.snapshots.size > 0) return;
      this.worker = null;
      void worker.terminate();
      this.log.info('screen mirror stopped: no terminal is open');
    }, this.idleRetireMs);
    this.retireTimer.unref();
  }

  private cancelRetire(): void {
    if (this.retireTimer) clearTimeout(this.retireTimer);
    this.retireTimer = null;
  }

  private onReply(m: MirrorReply): void {
    if (m.type === 'snapshot') {
      this.snapshots.get(m.requestId)?.(m.data);
      this.snapshots.delete(m.requestId);
      return;
    }
    const entry = this.entries.get(m.key);
    if (!entry) return;
    if (m.type === 'processed') {
      entry.backlog -= m.bytes;
      entry.events.onBacklog(entry.backlog);
    } else entry.events.onTitle(m.title);
  }

  /** Replay is lost, terminals are not: release every backlog and answer pending snapshots. */
  private fail(err: Error): void {
    if (this.broken) return;
    this.log.error({ err }, 'screen mirror failed; attach will not replay until restart');
    this.broken = true;
    this.worker = null;
    for (const entry of this.entries.values()) {
      this.dropQueued(entry);
      entry.backlog = 0;
      entry.events.onBacklog(0);
    }
    for (const resolve of this.snapshots.values()) resolve('');
    this.snapshots.clear();
  }
}
