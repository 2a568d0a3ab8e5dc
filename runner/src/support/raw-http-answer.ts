import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '@cubicle/protocol';

/**
 * Answers a request the HTTP server handed over as a bare socket (an upgrade, a CONNECT) with a
 * status and, when given, the protocol's error body, then closes the connection.
 */
export function endWithStatus(socket: Duplex, status: number, error?: ErrorBody): void {
  const body = error ? JSON.stringify({ ok: false, error }) : '';
  const type = error ? 'content-type: application/json\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\n${type}` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
