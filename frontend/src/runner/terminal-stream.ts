import {
  TERMINAL_STREAM_PATH,
  TerminalStreamClose,
  TerminalStreamExit,
  type TerminalStreamMessage,
} from '@cubicle/protocol';
import { TERMINAL_STREAM_DRAIN_POLL_MS, TERMINAL_STREAM_SEND_BUFFER_BYTES } from '../tuning';

export interface TerminalStreamHandlers {
  /** Output: bytes for a binary ticket (xterm.js decodes UTF-8 itself), strings otherwise. */
  onOutput(data: Uint8Array | string): void;
  /** The shell ended. */
  onExit(exit: TerminalStreamExit): void;
  /** The stream ended while the shell may live on (the runner restarted, the network dropped). */
  onDrop(): void;
}

/** The stream ended before what was sent on it left the browser. */
export class TerminalStreamClosed extends Error {
  constructor() {
    super('the connection to the terminal closed');
    this.name = 'TerminalStreamClosed';
  }
}

/**
 * A terminal's own WebSocket to its runner (docs/protocol.md, "Terminal streams"): output
 * arrives as bare frames, input and acks leave as messages, in order, on the one socket.
 */
export class TerminalStream {
  private readonly ws: WebSocket;
  /** Closed by us, or its end already reported: later events mean nothing. */
  private ended = false;
  /** Resolves once open; rejects if the runner refused the ticket or the connection failed. */
  readonly opened: Promise<void>;

  constructor(runnerUrl: string, ticket: string, handlers: TerminalStreamHandlers) {
    this.ws = new WebSocket(terminalStreamUrl(runnerUrl, ticket));
    this.ws.binaryType = 'arraybuffer';
    this.opened = new Promise((resolve, reject) => {
      this.ws.addEventListener('open', () => resolve(), { once: true });
      this.ws.addEventListener('close', () => reject(new TerminalStreamClosed()), { once: true });
    });
    this.opened.catch(() => {}); // a refusal is reported by the close handler too
    this.ws.addEventListener('message', (e: MessageEvent<ArrayBuffer | string>) => {
      if (!this.ended) handlers.onOutput(typeof e.data === 'string' ? e.data : new Uint8Array(e.data));
    });
    this.ws.addEventListener('close', (e) => {
      if (this.ended) return;
      this.ended = true;
      const exit = e.code === TerminalStreamClose.exited ? parseExit(e.reason) : null;
      if (exit) handlers.onExit(exit);
      else handlers.onDrop();
    });
  }

  /** False if the stream is not open (the message is not sent). */
  send(message: TerminalStreamMessage): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /**
   * Sends a piece of a paste and resolves once the browser has passed most of what is queued
   * on to the network: the next piece waits, so a huge paste never piles up in memory.
   */
  async sendPiece(data: string): Promise<void> {
    if (!this.send({ type: 'input', data })) throw new TerminalStreamClosed();
    while (this.ws.bufferedAmount > TERMINAL_STREAM_SEND_BUFFER_BYTES) {
      // Browsers announce no drain event on a WebSocket: bufferedAmount is polled.
      await new Promise((resolve) => setTimeout(resolve, TERMINAL_STREAM_DRAIN_POLL_MS));
      if (this.ws.readyState !== WebSocket.OPEN) throw new TerminalStreamClosed();
    }
  }

  close(): void {
    this.ended = true;
    this.ws.close(1000);
  }
}

/** The stream's address on the runner's host (http → ws, https → wss). */
export function terminalStreamUrl(runnerUrl: string, ticket: string): string {
  const url = new URL(TERMINAL_STREAM_PATH, new URL(runnerUrl, globalThis.location?.href));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('ticket', ticket);
  return url.toString();
}

function parseExit(reason: string): TerminalStreamExit | null {
  try {
    const parsed = TerminalStreamExit.safeParse(JSON.parse(reason));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
