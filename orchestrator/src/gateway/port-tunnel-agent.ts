import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { type Endpoint, socketPathOf } from '../drivers/endpoint.js';
import { PROBE_TIMEOUT_MS } from '../tuning.js';

/** Why a tunnel could not be opened: the runner's answer (502 when nothing listens on the port). */
export class TunnelRefused extends Error {
  constructor(readonly status: number) {
    super(`the runner refused the tunnel with ${status}`);
    this.name = 'TunnelRefused';
  }
}

/** Opens a connection to the runner and asks it, with `CONNECT`, for a byte tunnel to `port` in its sandbox. */
export function openPortTunnel(runner: Endpoint, port: number, token: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socketPath = socketPathOf(runner);
    const url = socketPath ? null : new URL(runner);
    const socket = socketPath
      ? net.connect({ path: socketPath })
      : net.connect({ host: url?.hostname ?? '', port: Number(url?.port || 80) });
    const timer = setTimeout(
      () => socket.destroy(new Error('the runner did not answer the tunnel request')),
      PROBE_TIMEOUT_MS,
    );
    let answer = '';
    const onData = (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const end = answer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      clearTimeout(timer);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0);
      if (status !== 200) {
        socket.destroy();
        return reject(new TunnelRefused(status));
      }
      const rest = Buffer.from(answer.slice(end + 4), 'latin1');
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once('connect', () =>
      socket.write(
        `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nproxy-authorization: Bearer ${token}\r\n\r\n`,
      ),
    );
  });
}

/**
 * An http.Agent whose connections are tunnels through a repl's runner to one port in its
 * sandbox: http-proxy then speaks HTTP (and WebSocket upgrades) to that port as to any server.
 */
export class PortTunnelAgent extends http.Agent {
  constructor(
    private readonly runner: Endpoint,
    private readonly port: number,
    private readonly token: string,
  ) {
    super({ keepAlive: false });
  }

  override createConnection(
    _options: unknown,
    callback?: (err: Error | null, socket: Duplex) => void,
  ): Duplex | undefined {
    openPortTunnel(this.runner, this.port, this.token).then(
      (socket) => callback?.(null, socket),
      (err: Error) => callback?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
