import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { bearerToken } from '../auth/runner-token.js';
import type { Logger } from '../log.js';
import { endWithStatus } from '../support/raw-http-answer.js';

export interface PortTunnelOptions {
  /** Whether a bearer token may open tunnels into this repl (a runner token for it). */
  authorize(token: string | undefined): Promise<boolean>;
  /** Ports never tunnelled to (the runner's own). */
  hidden: number[];
  log: Logger;
}

/**
 * `CONNECT 127.0.0.1:<port>` on the runner's own server: a byte tunnel to a port inside the
 * repl's sandbox, for the gateway's per-port previews (`<port>-<id>` hosts). Only to the
 * sandbox's loopback (the runner sits in the repl's network namespace: nothing else is in
 * reach), and only with a runner token for this repl.
 */
export function acceptPortTunnels(server: http.Server, opts: PortTunnelOptions): void {
  server.on('connect', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const m = /^(?:127\.0\.0\.1|localhost):(\d{1,5})$/.exec(req.url ?? '');
    const port = Number(m?.[1]);
    if (!m || port < 1 || port > 65535 || opts.hidden.includes(port)) return endWithStatus(socket, 400);
    const token = bearerToken(req.headers['proxy-authorization'] ?? req.headers.authorization);
    void opts.authorize(token).then((ok) => {
      if (!ok) return endWithStatus(socket, 407);
      const upstream = net.connect({ host: '127.0.0.1', port });
      let open = false;
      upstream.once('connect', () => {
        open = true;
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        socket.pipe(upstream);
        upstream.pipe(socket);
      });
      // Nothing listening: the gateway shows its "nothing on this port" page.
      upstream.once('error', () => (open ? socket.destroy() : endWithStatus(socket, 502)));
      socket.once('close', () => upstream.destroy());
      upstream.once('close', () => socket.destroy());
    });
  });
}
