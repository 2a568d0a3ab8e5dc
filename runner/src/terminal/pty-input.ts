import fs from 'node:fs';
import { PTY_INPUT_RETRY_MAX_MS, PTY_INPUT_RETRY_MS } from '../tuning.js';

/**
 * What the user types, written to a PTY's master at once. node-pty writes through libuv's
 * thread pool (fs.write), so each keystroke costs a hand-off to a pool thread and a wake-up back;
 * the master is non-blocking, so a write from here never blocks, it takes what the kernel's
 * input buffer has room for. What it cannot take yet (a large paste into a busy program) waits,
 * in order, and is tried again shortly: later input never overtakes it.
 */
export class PtyInput {
  private queue: Buffer[] = [];
  private retry: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private disposed = false;
  /** The wait before the next attempt while the program reads nothing: it doubles each time. */
  private idleDelay = PTY_INPUT_RETRY_MS;

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
    this.cancelRetry();
    this.queue = [];
  }

  private cancelRetry(): void {
    if (this.retry) {
      clearTimeout(this.retry as NodeJS.Timeout);
      clearImmediate(this.retry as NodeJS.Immediate);
    }
    this.retry = null;
  }

  private readonly flush = (): void => {
    this.retry = null;
    let wrote = false;
    while (this.queue.length > 0) {
      const head = this.queue[0] as Buffer;
      let written: number;
      try {
        written = fs.writeSync(this.fd, head);
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        if (error.code === 'EAGAIN') {
          // A program that is reading (this attempt wrote some) gets the next piece on the next
          // turn of the loop; one that read nothing since is not polled in a busy loop.
          if (wrote) {
            this.idleDelay = PTY_INPUT_RETRY_MS;
            this.retry = setImmediate(this.flush);
          } else {
            this.retry = setTimeout(this.flush, this.idleDelay);
            this.idleDelay = Math.min(this.idleDelay * 2, PTY_INPUT_RETRY_MAX_MS);
          }
          return;
        }
        this.queue = [];
        this.onError(error);
        return;
      }
      wrote ||= written > 0;
      if (written < head.length) this.queue[0] = head.subarray(written);
      else this.queue.shift();
    }
  };
}
