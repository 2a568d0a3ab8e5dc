import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  parseTerminalStreamMessage,
  TERMINAL_STREAM_PATH,
  TerminalStreamClose,
  type TerminalStreamMessage,
} from '@cubicle/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import { endWithStatus } from '../support/raw-http-answer.js';
import type { StreamGrant, StreamTickets } from '../terminal/stream-tickets.js';
import type { TerminalManager } from '../terminal/terminal-manager.js';
import type { TerminalSession } from '../terminal/terminal-session.js';
import { TERMINAL_STREAM_MAX_FRAME_BYTES } from '../tuning.js';
import type { ActivityTracker } from './activity-tracker.js';
import { originPolicy } from './origin-policy.js';
import { streamTerminalClient } from './stream-terminal-client.js';

export interface TerminalStreamOptions {
  terminals: TerminalManager;
  tickets: StreamTickets;
  activity: ActivityTracker;
  allowedOrigins: string[];
  log: Logger;
}

/**
 * Terminal streams on the runner's HTTP server (docs/protocol.md, "Terminal streams"): an
 * upgrade to TERMINAL_STREAM_PATH with a valid ticket becomes a client of its terminal; any
 * other upgrade is left to Socket.io. Refusals are HTTP answers to the upgrade, so nothing is
 * set up for a request that opens nothing.
 */
export function acceptTerminalStreams(httpServer: http.Server, opts: TerminalStreamOptions): { close(): void } {
  const allowed = originPolicy(opts.allowedOrigins);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: TERMINAL_STREAM_MAX_FRAME_BYTES,
    perMessageDeflate: false,
  });
  httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://runner');
    if (url.pathname !== TERMINAL_STREAM_PATH) return;
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (origin !== undefined && !allowed(origin))
      return endWithStatus(socket, 403, { code: 'EFORBIDDEN', message: 'this origin may not open terminals' });
    const grant = opts.tickets.redeem(url.searchParams.get('ticket'));
    if (!grant)
      return endWithStatus(socket, 401, {
        code: 'EACCES',
        message: 'no such ticket: a ticket opens one stream, within seconds',
      });
    if (!opts.terminals.has(grant.terminalId))
      return endWithStatus(socket, 404, { code: 'ENOENT', message: `no terminal ${grant.terminalId}` });
    wss.handleUpgrade(req, socket, head, (ws) =>
      serveStream(ws, grant, opts).catch((err: unknown) => {
        // The terminal ended while the stream opened, or its replay failed: the client attaches again.
        opts.log.warn({ err, terminal: grant.terminalId }, 'terminal stream could not attach');
        ws.close(1011, 'the terminal could not be attached');
      }),
    );
  });
  return {
    close: () => {
      for (const ws of wss.clients) ws.close(1001, 'the runner is shutting down');
      wss.close();
    },
  };
}

async function serveStream(ws: WebSocket, grant: StreamGrant, opts: TerminalStreamOptions): Promise<void> {
  const { terminals, activity, log } = opts;
  const session: TerminalSession = terminals.get(grant.terminalId);
  const client = streamTerminalClient(ws);
  ws.on('message', (raw: RawData, isBinary: boolean) => {
    const parsed = parseMessage(raw, isBinary);
    if (typeof parsed === 'string') return ws.close(TerminalStreamClose.invalidMessage, closeReason(parsed));
    if (parsed.type === 'input') {
      session.write(parsed.data);
      activity.touch();
    } else if (parsed.type === 'resize') session.resize(parsed.cols, parsed.rows);
    else session.ack(client.key, parsed.bytes);
  });
  ws.on('error', (err) => log.debug({ err, terminal: session.id }, 'terminal stream failed'));
  ws.on('close', () => terminals.detach(session, client.key));
  log.debug({ terminal: session.id, stream: client.key }, 'terminal stream opened');
  await terminals.attach(session, client, { binary: grant.binary });
}

/** The message a frame holds, or why it holds none. */
function parseMessage(raw: RawData, isBinary: boolean): TerminalStreamMessage | string {
  if (isBinary) return 'messages are JSON text frames';
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    return 'a message is not JSON';
  }
  const parsed = parseTerminalStreamMessage(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return `invalid message: ${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`;
}

/** A close reason within the protocol's 123 bytes. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}
