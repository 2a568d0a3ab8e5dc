import type http from 'node:http';
import { Server } from 'socket.io';
import type { RunnerKeyRing } from '../auth/runner-token.js';
import type { Logger } from '../log.js';
import { originPolicy } from './origin-policy.js';
import type { RunnerIo } from './socket-types.js';

export interface SocketServerOptions {
  replId: string;
  keys: RunnerKeyRing;
  allowedOrigins: string[];
  maxFileBytes: number;
  log: Logger;
  /** Until the workspace is reconciled with S3, clients get `connect_error` "starting" and retry. */
  isReady(): boolean;
}

/**
 * Socket.io on the runner's HTTP server. Browsers from unlisted origins are refused before the
 * handshake (CORS alone does not cover WebSocket upgrades); every connection must present a
 * token for this repl or gets `connect_error` "unauthorized" with no handler bound.
 */
export function createSocketServer(httpServer: http.Server, opts: SocketServerOptions): RunnerIo {
  const allowed = originPolicy(opts.allowedOrigins);
  const io: RunnerIo = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    // Room for a file at the size limit as base64 (4/3) plus the JSON around it.
    maxHttpBufferSize: Math.ceil((opts.maxFileBytes * 4) / 3) + 64 * 1024,
    cors: { origin: (origin, cb) => cb(null, origin !== undefined && allowed(origin)), methods: ['GET', 'POST'] },
    allowRequest: (req, cb) => {
      const origin = req.headers.origin;
      cb(null, origin === undefined || allowed(origin));
    },
  });

  io.use((socket, next) => {
    if (!opts.isReady()) return next(new Error('starting'));
    const token: unknown = socket.handshake.auth?.token;
    opts.keys.verify(token, opts.replId).then(
      (claims) => {
        if (!claims) {
          opts.log.info({ address: socket.handshake.address }, 'refused a connection: unauthorized');
          return next(new Error('unauthorized'));
        }
        socket.data.user = claims.sub;
        next();
      },
      () => next(new Error('unauthorized')),
    );
  });
  return io;
}
