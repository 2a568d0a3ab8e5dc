/**
 * Pauses a producer while any of its consumers is over its high watermark, and resumes it
 * once every consumer is back under its low watermark (hysteresis per consumer, so a backlog
 * hovering around one threshold does not flap).
 */
export class FlowGate {
  private readonly holding = new Set<string>();

  constructor(private readonly onChange: (paused: boolean) => void) {}

  get paused(): boolean {
    return this.holding.size > 0;
  }

  report(consumer: string, backlog: number, high: number, low: number): void {
    const before = this.paused;
    if (backlog >= high) this.holding.add(consumer);
    else if (backlog <= low) this.holding.delete(consumer);
    if (this.paused !== before) this.onChange(this.paused);
  }

  /** The consumer is gone (a client detached): it no longer holds the gate. */
  release(consumer: string): void {
    const before = this.paused;
    this.holding.delete(consumer);
    if (this.paused !== before) this.onChange(this.paused);
  }
}
