import fs from 'node:fs/promises';

/** Local addresses a server listens on to be reachable in its sandbox: any, or loopback (IPv4, IPv6, mapped). */
const REACHABLE = new Set([
  '00000000', // 0.0.0.0
  '0100007F', // 127.0.0.1
  '00000000000000000000000000000000', // ::
  '00000000000000000000000001000000', // ::1
  '0000000000000000FFFF00000100007F', // ::ffff:127.0.0.1
]);
const LISTEN = '0A';

/**
 * TCP ports something listens on in this network namespace (the repl's sandbox), read from
 * /proc/net/tcp and tcp6 as `ss -ltn` does: state LISTEN, on any or a loopback address.
 */
export async function listeningPorts(procNet = '/proc/net'): Promise<number[]> {
  const ports = new Set<number>();
  for (const file of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = await fs.readFile(`${procNet}/${file}`, 'utf8');
    } catch {
      continue; // no IPv6 in this namespace
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local) continue;
      const [address, portHex] = local.split(':');
      if (address && portHex && REACHABLE.has(address.toUpperCase())) ports.add(Number.parseInt(portHex, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/**
 * How many TCP sockets are in use in this network namespace (IPv4, IPv6), as /proc/net/sockstat
 * counts them. Reading it costs ~20 µs where listing costs milliseconds (the kernel walks its whole
 * connection table, ~4 ms here), and the count changes when a server starts or stops listening.
 */
export async function tcpSocketsInUse(procNet = '/proc/net'): Promise<string> {
  const counts: string[] = [];
  for (const file of ['sockstat', 'sockstat6']) {
    try {
      const text = await fs.readFile(`${procNet}/${file}`, 'utf8');
      counts.push(/^TCP6?: inuse (\d+)/m.exec(text)?.[1] ?? '?');
    } catch {
      counts.push('-'); // no IPv6 in this namespace
    }
  }
  return counts.join('/');
}
