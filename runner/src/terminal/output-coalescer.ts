/**
 * Batches a stream of output chunks into fewer, larger emits without delaying an isolated
 * chunk: the first chunk after a quiet period goes out at once (a keystroke's echo), and
 * chunks that follow within the window are joined and sent when it ends, or earlier at maxChars.
 */
export class OutputCoalescer {
  private parts: string[] = [];
  private size = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly windowMs: number,
    private readonly maxChars: number,
    private readonly emit: (data: string) => void,
  ) {}

  push(data: string): void {
    if (this.timer === null) {
      this.emit(data);
      this.timer = setTimeout(this.tick, this.windowMs);
      return;
    }
    this.parts.push(data);
    this.size += data.length;
    if (this.size >= this.maxChars) this.flush();
  }

  /** Emits whatever is buffered now (before a resize, an exit, or a snapshot). */
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
    if (this.size === 0) return;
    this.flush();
    this.timer = setTimeout(this.tick, this.windowMs);
  };
}
