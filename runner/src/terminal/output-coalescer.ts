/**
 * Batches a stream of output chunks into fewer, larger emits without delaying interactive
 * output. While little has been sent in the current window (keystroke echoes, a prompt),
 * chunks go out at once; once a window carries more than `interactiveChars` (a burst),
 * chunks are joined and sent when the window ends, or earlier at `maxChars`.
 */
export class OutputCoalescer {
  private parts: string[] = [];
  private size = 0;
  /** Characters sent immediately in the current window. */
  private sentInWindow = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly maxChars: number,
    private readonly interactiveChars: number,
    private readonly emit: (data: string) => void,
  ) {}

  push(data: string): void {
    if (this.size === 0 && this.sentInWindow + data.length <= this.interactiveChars) {
      this.sentInWindow += data.length;
      this.emit(data);
    } else {
      this.parts.push(data);
      this.size += data.length;
      if (this.size >= this.maxChars) this.flush();
    }
    this.timer ??= setTimeout(this.tick, this.windowMs);
  }

  /** Emits whatever is buffered now (before a resize or an exit). */
  flush(): void {
    if (this.size === 0) return;
    const data = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
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
