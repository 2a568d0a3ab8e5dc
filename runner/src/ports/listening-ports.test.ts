import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listeningPorts } from './listening-ports.js';

describe('listeningPorts', () => {
  it('sees a server listening on loopback, and stops seeing it once closed', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    assert.ok((await listeningPorts()).includes(port));
    await new Promise((r) => server.close(r));
    assert.ok(!(await listeningPorts()).includes(port));
  });

  it('reads LISTEN sockets on any or loopback address only (not connections, not other addresses)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-proc-'));
    try {
      const head = '  sl  local_address rem_address   st\n';
      fs.writeFileSync(
        path.join(dir, 'tcp'),
        `${head}   0: 00000000:1F90 00000000:0000 0A\n   1: 0100007F:0BB8 00000000:0000 0A\n   2: 0100007F:1F91 0100007F:C000 01\n   3: 0A00000A:1F92 00000000:0000 0A\n`,
      );
      fs.writeFileSync(
        path.join(dir, 'tcp6'),
        `${head}   0: 00000000000000000000000000000000:1389 00000000000000000000000000000000:0000 0A\n`,
      );
      assert.deepEqual(await listeningPorts(dir), [3000, 5001, 8080]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
