import type { Socket } from 'node:net';
import { TERMINAL_STREAM_PATH, type TerminalStreamMessage } from '@cubicle/protocol';
import WebSocket from 'ws';
import { eventually } from './runner-harness.js';
import { wholeCharacters } from './terminal-reader.js';

/** A terminal stream as a test sees it: the text so far, the frames' lengths, and how it closed. */
export class TerminalStreamClient {
  private textSoFar = '';
  /** Payload lengths received, as acks count them (bytes of binary frames, characters of text). */
  received = 0;
  binaryFrames = 0;
  textFrames = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.binaryFrames++;
        this.received += data.length;
        this.textSoFar += wholeCharacters.decode(data);
      } else {
        this.textFrames++;
        const text = data.toString('utf8');
        this.received += text.length;
        this.textSoFar += text;
      }
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Opens `ticket`'s stream on the runner at `url` (http://host:port); rejects with the HTTP status of a refusal. */
  static open(url: string, ticket: string, origin?: string): Promise<TerminalStreamClient> {
    const ws = new WebSocket(streamUrl(url, ticket), { perMessageDeflate: false, ...(origin ? { origin } : {}) });
    const client = new TerminalStreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new StreamRefused(res.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  get text(): string {
    return this.textSoFar;
  }

  send(message: TerminalStreamMessage | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  input(data: string): void {
    this.send({ type: 'input', data });
  }

  waitFor(pattern: RegExp | string, timeoutMs = 5000): Promise<string> {
    return eventually(
      () =>
        (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text)) ? this.text : undefined,
      timeoutMs,
      `${String(pattern)} on the stream; got ${JSON.stringify(this.text.slice(-300))}`,
    );
  }

  /** Stops reading the connection, as a frozen browser tab does: the runner's sends back up. */
  pauseReading(): void {
    tcpOf(this.ws).pause();
  }

  resumeReading(): void {
    tcpOf(this.ws).resume();
  }

  close(): void {
    this.ws.close();
  }
}

export class StreamRefused extends Error {
  constructor(readonly status: number) {
    super(`the runner refused the stream: HTTP ${status}`);
  }
}

/** The TCP connection under a WebSocket (Node's `ws`), whose reading a test or bench pauses. */
export function tcpOf(ws: unknown): Socket {
  const tcp = (ws as { _socket?: Socket } | undefined)?._socket;
  if (!tcp) throw new Error('no TCP socket under the WebSocket');
  return tcp;
}

export function streamUrl(url: string, ticket: string): string {
  return `${url.replace(/^http/, 'ws')}${TERMINAL_STREAM_PATH}?ticket=${encodeURIComponent(ticket)}`;
}
