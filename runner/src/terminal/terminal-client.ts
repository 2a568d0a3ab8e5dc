import type { TerminalDataPush, TerminalExitPush } from '@cubicle/protocol';

/** What a terminal needs of a connected client; a Socket.io socket in production. */
export interface TerminalClient {
  /** Stable per connection (the socket id). */
  readonly key: string;
  sendData(push: TerminalDataPush): void;
  sendExit(push: TerminalExitPush): void;
  /** Packets queued behind a slow transport: backpressure for clients that never ack. */
  queuedPackets(): number;
  /** Calls `listener` whenever the transport has flushed its queue; returns an unsubscribe. */
  onDrain(listener: () => void): () => void;
}
