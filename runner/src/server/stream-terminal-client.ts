import { TerminalStreamClose } from '@cubicle/protocol';
import type { WebSocket } from 'ws';
import type { TerminalClient } from '../terminal/terminal-client.js';
import { FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK } from '../tuning.js';

let streamsOpened = 0;

/**
 * A terminal stream's WebSocket as a terminal client: each output chunk is one frame, binary or
 * text as the ticket asked, and the shell's exit is the close frame. Backpressure is the output
 * handed to the socket and not yet written to the kernel (characters count as bytes for a
 * string client, close enough for a backstop).
 */
export function streamTerminalClient(ws: WebSocket): TerminalClient {
  const key = `stream:${++streamsOpened}`;
  let queued = 0;
  const drainListeners = new Set<() => void>();
  const written = (length: number) => () => {
    queued -= length;
    if (queued <= FLOW_LOW_WATERMARK) for (const listener of drainListeners) listener();
  };
  return {
    key,
    sendData: ({ data }) => {
      if (ws.readyState !== ws.OPEN) return;
      const length = typeof data === 'string' ? data.length : data.byteLength;
      queued += length;
      ws.send(data, { binary: typeof data !== 'string' }, written(length));
    },
    sendExit: ({ exitCode, signal }) => ws.close(TerminalStreamClose.exited, JSON.stringify({ exitCode, signal })),
    backlog: () => ({ queued, high: FLOW_HIGH_WATERMARK, low: FLOW_LOW_WATERMARK }),
    onDrain: (listener) => {
      drainListeners.add(listener);
      return () => drainListeners.delete(listener);
    },
  };
}
