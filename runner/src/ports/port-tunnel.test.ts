import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type RunnerHarness, startRunner } from '../test-support/runner-harness.js';

/** Sends a CONNECT to the runner and returns its status line, and the socket when it was accepted. */
function connect(
  runner: RunnerHarness,
  target: string,
  token?: string,
): Promise<{ status: number; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: runner.port });
    let answer = '';
    socket.on('data', function onData(chunk: Buffer) {
      answer += chunk.toString();
      if (!answer.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]), socket });
    });
    socket.once('error', reject);
    const auth = token ? `proxy-authorization: Bearer ${token}\r\n` : '';
    socket.write(`CONNECT ${target} HTTP/1.1\r\nhost: ${target}\r\n${auth}\r\n`);
  });
}

describe('port tunnels (CONNECT on the runner)', () => {
  let runner: RunnerHarness;
  let server: net.Server;
  let port: number;
  before(async () => {
    runner = await startRunner();
    server = net.createServer((s) => s.pipe(s)).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    server.close();
    assert.equal(await runner.stop(), 0);
  });

  it('opens a byte tunnel to a loopback port only with a runner token for this repl', async () => {
    assert.equal((await connect(runner, `127.0.0.1:${port}`)).status, 407);
    const other = await runner.token({ replId: 'someotherrepl' });
    assert.equal((await connect(runner, `127.0.0.1:${port}`, other)).status, 407);
    const ok = await connect(runner, `127.0.0.1:${port}`, await runner.token());
    assert.equal(ok.status, 200);
    const echoed = new Promise<string>((resolve) => ok.socket.once('data', (d: Buffer) => resolve(d.toString())));
    ok.socket.write('through the tunnel');
    assert.equal(await echoed, 'through the tunnel');
    ok.socket.destroy();
  });

  it('refuses other hosts, odd ports and the runner itself; 502 where nothing listens', async () => {
    const token = await runner.token();
    for (const target of [
      '10.0.0.1:80',
      'example.com:443',
      '127.0.0.1:0',
      '127.0.0.1:70000',
      `127.0.0.1:${runner.port}`,
    ]) {
      const r = await connect(runner, target, token);
      assert.equal(r.status, 400, target);
      r.socket.destroy();
    }
    const closed = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    const free = (closed.address() as net.AddressInfo).port;
    closed.close();
    const r = await connect(runner, `127.0.0.1:${free}`, token);
    assert.equal(r.status, 502);
    r.socket.destroy();
  });
});
