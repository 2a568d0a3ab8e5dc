import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { eventually } from '../test-support/runner-harness.js';
import { PortWatcher } from './port-watcher.js';

const HEAD = '  sl  local_address rem_address   st\n';
const listening = (ports: number[]) =>
  HEAD + ports.map((p, i) => `   ${i}: 00000000:${p.toString(16).toUpperCase()} 00000000:0000 0A\n`).join('');

describe('PortWatcher', () => {
  it('reports a server that starts listening within a poll', async () => {
    const seen: number[][] = [];
    const watcher = new PortWatcher({ intervalMs: 20, listEveryMs: 60_000, hidden: [], onChange: (p) => seen.push(p) });
    await watcher.start();
    const server = net.createServer().listen(0, '127.0.0.1');
    try {
      await new Promise((r) => server.once('listening', r));
      const port = (server.address() as net.AddressInfo).port;
      await eventually(() => watcher.ports.includes(port) || undefined);
      assert.ok(seen.at(-1)?.includes(port), 'the change was reported');
    } finally {
      watcher.stop();
      await new Promise((r) => server.close(r));
    }
  });

  it('lists the ports again when the count of TCP sockets changes, or after listEveryMs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-proc-'));
    const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
    const seen: number[][] = [];
    let watcher: PortWatcher | undefined;
    try {
      write('sockstat', 'sockets: used 3\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 0\n');
      write('tcp', listening([3000]));
      const options = { intervalMs: 10, hidden: [], onChange: (p: number[]) => seen.push(p), procNet: dir };
      const startedAt = performance.now();
      watcher = new PortWatcher({ ...options, listEveryMs: 300 });
      await watcher.start();
      assert.deepEqual(watcher.ports, [3000]);
      // A listing that changed behind an unchanged count waits for the next full listing.
      write('tcp', listening([3000, 8080]));
      await eventually(() => watcher?.ports.includes(8080) || undefined);
      assert.ok(performance.now() - startedAt >= 300, 'not listed again while the count stayed the same');
      watcher.stop();

      // A changed count lists at the next poll (the next full listing is a minute away).
      watcher = new PortWatcher({ ...options, listEveryMs: 60_000 });
      await watcher.start();
      write('tcp', listening([5000]));
      write('sockstat', 'sockets: used 3\nTCP: inuse 2 orphan 0 tw 0 alloc 2 mem 0\n');
      await eventually(() => (watcher?.ports.join() === '5000' ? true : undefined));
      assert.deepEqual(seen, [[3000], [3000, 8080], [3000, 8080], [5000]]);
    } finally {
      watcher?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
