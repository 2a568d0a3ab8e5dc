import type { TerminalDataPush, TerminalExitPush } from '@cubicle/protocol';

/**
 * Output queued in a client's transport, in the transport's own unit, with the marks between
 * which the PTY pauses and resumes: the backstop for clients that never ack.
 */
export interface TransportBacklog {
  queued: number;
  high: number;
  low: number;
}

/** What a terminal needs of a connected client: a Socket.io socket or a terminal stream. */
export interface TerminalClient {
  /** Stable per connection (the socket id, or the stream's own). */
  readonly key: string;
  sendData(push: TerminalDataPush): void;
  sendExit(push: TerminalExitPush): void;
  backlog(): TransportBacklog;
  /** Calls `listener` whenever the transport has flushed its queue; returns an unsubscribe. */
  onDrain(listener: () => void): () => void;
}
