/**
 * Batches a stream of output chunks into fewer, larger emits without delaying interactive
 * output. While little has been sent in the current window (keystroke echoes, a prompt),
 * chunks go out at once; once a window carries more than `interactiveBytes` (a burst),
 * chunks are joined and sent when the window ends, or earlier at `maxBytes`.
 */
export class OutputCoalescer {
  private parts: Buffer[] = [];
  private size = 0;
  /** Bytes sent immediately in the current window. */
  private sentInWindow = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
    private readonly interactiveBytes: number,
    private readonly emit: (data: Buffer) => void,
  ) {}

  push(data: Buffer): void {
    if (this.size === 0 && this.sentInWindow + data.length <= this.interactiveBytes) {
      this.sentInWindow += data.length;
      this.emit(data);
    } else {
      this.parts.push(data);
      this.size += data.length;
      if (this.size >= this.maxBytes) this.flush();
    }
    this.timer ??= setTimeout(this.tick, this.windowMs);
  }

  /** Emits whatever is buffered now (before a resize or an exit). */
  flush(): void {
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

  private readonly tick = (): void => {
    this.timer = null;
    this.sentInWindow = 0;
    if (this.size === 0) return;
    this.flush();
    this.timer = setTimeout(this.tick, this.windowMs);
  };
}
