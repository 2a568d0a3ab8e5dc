import { TerminalStreamClose } from '@cubicle/protocol';
import type { WebSocket } from 'ws';
import type { TerminalClient } from '../terminal/terminal-client.js';
import { FLOW_HIGH_WATERMARK, FLOW_LOW_WATERMARK } from '../tuning.js';

let streamsOpened = 0;

/**
 * A terminal stream's WebSocket as a terminal client: each output chunk is one frame, binary or
 * text as the ticket asked, and the shell's exit is the close frame. Backpressure is the
 * socket's `bufferedAmount`: output handed to it and not yet written to the kernel.
 */
export function streamTerminalClient(ws: WebSocket): TerminalClient {
  const key = `stream:${++streamsOpened}`;
  const drainListeners = new Set<() => void>();
  const flushed = () => {
    if (ws.bufferedAmount <= FLOW_LOW_WATERMARK) for (const listener of drainListeners) listener();
  };
  return {
    key,
    sendData: ({ data }) => {
      if (ws.readyState !== ws.OPEN) return;
      const length = typeof data === 'string' ? data.length : data.byteLength;
      // Only a frame that may leave a backlog asks to hear when it is written: frames go out in
      // order, so the last of them reports the drain, and an echo costs no callback.
      const mayBackUp = ws.bufferedAmount + length > FLOW_LOW_WATERMARK;
      ws.send(data, { binary: typeof data !== 'string' }, mayBackUp ? flushed : undefined);
    },
    sendExit: ({ exitCode, signal }) => ws.close(TerminalStreamClose.exited, JSON.stringify({ exitCode, signal })),
    backlog: () => ({ queued: ws.bufferedAmount, high: FLOW_HIGH_WATERMARK, low: FLOW_LOW_WATERMARK }),
    onDrain: (listener) => {
      drainListeners.add(listener);
      return () => drainListeners.delete(listener);
    },
  };
}
