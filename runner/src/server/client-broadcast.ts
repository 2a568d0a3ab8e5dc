import type { RunnerServerEvents } from '@cubicle/protocol';
import type { RunnerIo } from './socket-types.js';

type Push<E extends keyof RunnerServerEvents> = Parameters<RunnerServerEvents[E]>[0];

/**
 * Pushes from the runner's services to every connected client. The services are built before
 * the socket server (which serves them), so they hold this instead of the server; until
 * `attach` there is no client to tell, and nothing is lost by saying nothing.
 */
export class ClientBroadcast {
  private io: RunnerIo | null = null;

  attach(io: RunnerIo): void {
    this.io = io;
  }

  emit<E extends keyof RunnerServerEvents>(event: E, push: Push<E>): void {
    const io = this.io;
    if (!io) return;
    (io.emit as (event: E, push: Push<E>) => boolean)(event, push);
  }
}
