import { listeningPorts, tcpSocketsInUse } from './listening-ports.js';

/**
 * Follows which ports the repl's processes listen on (polling /proc: a port opens and closes
 * without any event a process outside it could watch), and says when the list changes. Each
 * poll reads the count of TCP sockets in use; the ports are listed again only when it changed,
 * or `listEveryMs` after the last listing (a server that stopped while another started).
 */
export class PortWatcher {
  private current: number[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private socketsInUse = '';
  private listedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: {
      intervalMs: number;
      listEveryMs: number;
      /** Ports that are Cubicle's own (the runner's), never listed. */
      hidden: number[];
      onChange(ports: number[]): void;
      procNet?: string;
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
    const inUse = await tcpSocketsInUse(this.opts.procNet);
    const now = performance.now();
    if (inUse === this.socketsInUse && now - this.listedAt < this.opts.listEveryMs) return;
    this.socketsInUse = inUse;
    this.listedAt = now;
    const ports = (await listeningPorts(this.opts.procNet)).filter((p) => !this.opts.hidden.includes(p));
    if (ports.join() === this.current.join()) return;
    this.current = ports;
    this.opts.onChange(ports);
  }
}
