import net from 'node:net';
import type { Logger } from '../log.js';

/**
 * Forwards every connection on an inherited listening socket to the user's app on
 * 127.0.0.1:APP_PORT. In a local sandbox the app lives in the repl's own network namespace,
 * where nothing outside can connect; the gateway reaches it through this socket, which the
 * orchestrator made and the repl cannot replace.
 */
export function forwardAppConnections(fd: number, appPort: number, log: Logger): net.Server {
  const server = net.createServer((client) => {
    const app = net.connect({ host: '127.0.0.1', port: appPort });
    client.pipe(app);
    app.pipe(client);
    // Nothing listening is the gateway's "press Run" page: it sees the connection end unanswered.
    app.once('error', () => client.destroy());
    client.once('error', () => app.destroy());
    client.once('close', () => app.destroy());
    app.once('close', () => client.destroy());
  });
  server.on('error', (err) => log.error({ err }, 'app forwarder failed'));
  server.listen({ fd });
  return server;
}
