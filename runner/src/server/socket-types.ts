import type { RunnerServerEvents } from '@cubicle/protocol';
import type { Server, Socket } from 'socket.io';

/** Incoming events are untrusted until the router has validated them, so they are typed as unknown. */
export type IncomingEvents = Record<string, (...args: unknown[]) => void>;
export interface SocketData {
  user: string;
}
export type RunnerIo = Server<IncomingEvents, RunnerServerEvents, Record<string, never>, SocketData>;
export type RunnerSocket = Socket<IncomingEvents, RunnerServerEvents, Record<string, never>, SocketData>;
