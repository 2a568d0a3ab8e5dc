import fs from 'node:fs';
import { PTY_INPUT_RETRY_MS } from '../tuning.js';

/**
 * What the user types, written to a PTY's master at once. node-pty writes through libuv's
 * thread pool (fs.write), so each keystroke costs a hand-off to a pool thread and a wake-up back;
 * the master is non-blocking, so a write from here never blocks, it takes what the kernel's
 * input buffer has room for. What it cannot take yet (a large paste into a busy program) waits,
 * in order, and is tried again shortly: later input never overtakes it.
 */
export class PtyInput {
  private queue: Buffer[] = [];
  private retry: NodeJS.Timeout | null = null;
  private disposed = false;

  constructor(
    private readonly fd: number,
    /** A write failed for good (the shell is gone): what was queued is dropped. */
    private readonly onError: (err: NodeJS.ErrnoException) => void,
  ) {}

  write(data: string | Buffer): void {
    if (this.disposed) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (bytes.length === 0) return;
    this.queue.push(bytes);
    if (this.queue.length === 1) this.flush();
  }

  /** Before the descriptor is closed: nothing is written to it afterwards (its number may be reused). */
  dispose(): void {
    this.disposed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.queue = [];
  }

  private readonly flush = (): void => {
    this.retry = null;
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      let written: number;
      try {
        written = fs.writeSync(this.fd, head);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        if (error.code === 'EAGAIN') {
          // (A timer, not setImmediate: the program has to run and read before there is room.)
          this.retry = setTimeout(this.flush, PTY_INPUT_RETRY_MS);
          return;
        }
        this.queue = [];
        this.onError(error);
        return;
      }
      if (written < head.length) this.queue[0] = head.subarray(written);
      else this.queue.shift();
    }
  };
}
