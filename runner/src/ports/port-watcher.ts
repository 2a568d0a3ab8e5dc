import { listeningPorts } from './listening-ports.js';

/**
 * Follows which ports the repl's processes listen on (polling /proc: a port opens and closes
 * without any event a process outside it could watch), and says when the list changes.
 */
export class PortWatcher {
  private current: number[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly opts: {
      intervalMs: number;
      /** Ports that are Cubicle's own (the runner's), never listed. */
      hidden: number[];
      onChange(ports: number[]): void;
    },
  ) {}

  get ports(): number[] {
    return this.current;
  }

  async start(): Promise<void> {
    await this.scan();
    this.timer = setInterval(() => void this.scan(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async scan(): Promise<void> {
    const ports = (await listeningPorts()).filter((p) => !this.opts.hidden.includes(p));
    if (ports.join() === this.current.join()) return;
    this.current = ports;
    this.opts.onChange(ports);
  }
}
