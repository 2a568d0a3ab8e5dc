import type { TerminalClient } from '../terminal/terminal-client.js';
import { TRANSPORT_HIGH_PACKETS } from '../tuning.js';
import type { RunnerSocket } from './socket-types.js';

/**
 * A Socket.io socket as a terminal client. Backpressure comes from engine.io's public events:
 * every packet is announced by `packetCreate` and leaves the socket's queue at `flush`.
 */
export function socketTerminalClient(socket: RunnerSocket): TerminalClient {
  let queued = 0;
  socket.conn.on('packetCreate', () => {
    queued++;
  });
  socket.conn.on('flush', (buffer: unknown[]) => {
    queued = Math.max(0, queued - buffer.length);
  });
  return {
    key: socket.id,
    sendData: (push) => socket.emit('terminal:data', push),
    sendExit: (push) => socket.emit('terminal:exit', push),
    backlog: () => ({ queued, high: TRANSPORT_HIGH_PACKETS, low: TRANSPORT_HIGH_PACKETS / 4 }),
    onDrain: (listener) => {
      socket.conn.on('drain', listener);
      return () => socket.conn.off('drain', listener);
    },
  };
}
