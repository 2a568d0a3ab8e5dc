/**
 * Client side of terminal flow control (docs/protocol.md, "Socket.io contract"): counts the output (bytes) xterm.js has finished
 * rendering and says when to send `terminal:ack`. Acks go out in batches; whatever is left is
 * flushed after a pause so the runner's count of unrendered output returns to zero.
 */
export class AckCounter {
  private pending = 0;

  constructor(private readonly batchSize: number) {}

  /** `length` more were rendered; returns the count to ack now, or 0 to wait for more. */
  rendered(length: number): number {
    this.pending += length;
    return this.pending >= this.batchSize ? this.flush() : 0;
  }

  /** Everything rendered and not yet acknowledged (0 if nothing). */
  flush(): number {
    const n = this.pending;
    this.pending = 0;
    return n;
  }

  get unacknowledged(): number {
    return this.pending;
  }
}
