import dns from 'node:dns';
import http from 'node:http';
import type { LookupFunction } from 'node:net';

/**
 * Node does not resolve `*.localhost` the way browsers do (toolchain.md): this lookup maps
 * `localhost` and every `*.localhost` name to 127.0.0.1 and leaves other names to DNS.
 */
export const localhostLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (options.all)
      (callback as (e: null, a: dns.LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dns.lookup(hostname, options, callback);
};

/** An agent for http.request and socket.io-client (`agent` option) that reaches `*.localhost`. */
export const localhostAgent = new http.Agent({ keepAlive: false, lookup: localhostLookup } as http.AgentOptions);

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A plain HTTP request through `localhostAgent` (fetch cannot change DNS nor keep a Host header). */
export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, agent: localhostAgent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end(init.body);
  });
}

/** A free TCP port on loopback (for a server a test starts). */
export { freePort } from '../drivers/local/process-control.js';
