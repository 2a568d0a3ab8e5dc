/**
 * Batches a stream of output chunks into fewer, larger emits without delaying interactive
 * output. While little has been sent in the current window (keystroke echoes, a prompt),
 * chunks go out at once; once a window carries more than `interactiveBytes` (a burst),
 * chunks are joined and sent when the window ends, or earlier at `maxBytes`.
 */
export class OutputCoalescer {
  private parts: Buffer[] = [];
  private size = 0;
  /** Bytes sent immediately in the current window, which started at `windowStart`. */
  private sentInWindow = 0;
  private windowStart = 0;
  /** Armed only while output is held: an isolated keystroke's echo sets no timer. */
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
    private readonly interactiveBytes: number,
    private readonly emit: (data: Buffer) => void,
  ) {}

  push(data: Buffer): void {
    const now = performance.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    if (this.size === 0 && this.sentInWindow + data.length <= this.interactiveBytes) {
      this.sentInWindow += data.length;
      this.emit(data);
      return;
    }
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(this.tick, Math.max(0, this.windowStart + this.windowMs - now));
  }

  /** Emits whatever is held now (before a resize or an exit). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.size === 0) return;
    const data = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    this.emit(data);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.parts = [];
    this.size = 0;
  }

  /** The window ended with output held: send it, and hold what follows for a full window. */
  private readonly tick = (): void => {
    this.timer = null;
    this.flush();
    this.windowStart = performance.now();
    this.sentInWindow = this.interactiveBytes; // still a burst: the next window coalesces too
  };
}
