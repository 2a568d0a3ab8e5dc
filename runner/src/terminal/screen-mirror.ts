import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { MIRROR_BATCH_CHARS, MIRROR_BATCH_MS } from '../tuning.js';
import { EvictedOutputFilter } from './evicted-output.js';
import type { MirrorReply, MirrorRequest } from './screen-mirror-messages.js';

export interface MirrorEvents {
  /** Output written but not yet parsed by the worker, in characters (drives the mirror's flow control). */
  onBacklog(chars: number): void;
  onTitle(title: string): void;
}

/** One mirrored terminal on the host side. */
interface MirrorEntry {
  events: MirrorEvents;
  backlog: number;
  /** The worker answered a write that stood for `chars` characters of output. */
  processed(chars: number): void;
}

/** One terminal's mirror: what was sent to clients goes in, a replayable snapshot comes out. */
export interface MirrorHandle {
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Escape sequences that redraw the screen and scrollback as of every write made before this call. */
  snapshot(): Promise<string>;
  dispose(): void;
}

/**
 * Host side of the screen-mirror worker: one worker for all terminals (a worker per terminal
 * would cost an isolate each), started with the first terminal. If the worker dies, snapshots
 * come back empty and the mirror stops holding back the PTYs; terminals keep working.
 */
export class ScreenMirror {
  private worker: Worker | null = null;
  private broken = false;
  private nextKey = 1;
  private nextRequest = 1;
  private readonly entries = new Map<number, MirrorEntry>();
  private readonly snapshots = new Map<number, (data: string) => void>();

  constructor(
    private readonly scrollback: number,
    private readonly log: Logger,
  ) {}

  open(cols: number, rows: number, events: MirrorEvents): MirrorHandle {
    const key = this.nextKey++;
    this.post({ type: 'open', key, cols, rows, scrollback: this.scrollback });
    // Batches go to the worker one at a time; output arriving meanwhile waits here, and what of
    // it will scroll out anyway is dropped before the worker parses it (EvictedOutputFilter).
    const filter = new EvictedOutputFilter(rows, this.scrollback);
    let queued: string[] = [];
    let queuedChars = 0;
    let inFlight = false;
    let batchTimer: NodeJS.Timeout | null = null;
    const send = () => {
      if (batchTimer) clearTimeout(batchTimer);
      batchTimer = null;
      if (queuedChars === 0) return;
      const text = filter.filter(queued.length === 1 ? (queued[0] as string) : queued.join(''));
      this.post({ type: 'write', key, data: text, chars: queuedChars });
      queued = [];
      queuedChars = 0;
      inFlight = true;
    };
    const sendSoon = () => {
      if (inFlight) return; // sent when the worker answers
      if (queuedChars >= MIRROR_BATCH_CHARS) send();
      else batchTimer ??= setTimeout(send, MIRROR_BATCH_MS);
    };
    const entry: MirrorEntry = {
      events,
      backlog: 0,
      processed: (chars) => {
        inFlight = false;
        entry.backlog -= chars;
        events.onBacklog(entry.backlog);
        sendSoon();
      },
    };
    this.entries.set(key, entry);
    return {
      write: (data) => {
        if (this.broken) return;
        entry.backlog += data.length;
        events.onBacklog(entry.backlog);
        queued.push(data);
        queuedChars += data.length;
        sendSoon();
      },
      resize: (c, r) => {
        send(); // output drawn at the old size is parsed at the old size
        filter.resize(r);
        this.post({ type: 'resize', key, cols: c, rows: r });
      },
      snapshot: () =>
        new Promise<string>((resolve) => {
          if (this.broken) return resolve('');
          send();
          const requestId = this.nextRequest++;
          this.snapshots.set(requestId, resolve);
          this.post({ type: 'snapshot', key, requestId });
        }),
      dispose: () => {
        if (batchTimer) clearTimeout(batchTimer);
        this.entries.delete(key);
        this.post({ type: 'dispose', key });
      },
    };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.broken = true;
    await worker?.terminate();
  }

  private post(message: MirrorRequest): void {
    if (this.broken) return;
    this.ensureWorker().postMessage(message);
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
    return worker;
  }

  private onReply(m: MirrorReply): void {
    if (m.type === 'snapshot') {
      this.snapshots.get(m.requestId)?.(m.data);
      this.snapshots.delete(m.requestId);
      return;
    }
    const entry = this.entries.get(m.key);
    if (!entry) return;
    if (m.type === 'processed') entry.processed(m.chars);
    else entry.events.onTitle(m.title);
  }

  /** Replay is lost, terminals are not: release every backlog and answer pending snapshots. */
  private fail(err: Error): void {
    if (this.broken) return;
    this.log.error({ err }, 'screen mirror failed; attach will not replay until restart');
    this.broken = true;
    this.worker = null;
    for (const entry of this.entries.values()) {
      entry.backlog = 0;
      entry.events.onBacklog(0);
    }
    for (const resolve of this.snapshots.values()) resolve('');
    this.snapshots.clear();
  }
}
