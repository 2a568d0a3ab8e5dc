import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { emitRaw, eventually } from '@cubicle/runner/test-support/runner-harness';
import { TerminalReader } from '@cubicle/runner/test-support/terminal-reader';
import { httpRequest, localhostAgent } from '../test-support/localhost.js';
import { type OrchestratorHarness, startOrchestratorHarness } from '../test-support/orchestrator-harness.js';

/** A raw WebSocket-style upgrade through the gateway: resolves with the response status line and socket. */
function upgrade(url: string): Promise<{ status: number; socket: import('node:net').Socket | null; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      agent: localhostAgent,
      headers: { connection: 'Upgrade', upgrade: 'websocket' },
    });
    req.on('upgrade', (res, socket) => resolve({ status: res.statusCode ?? 0, socket, body: '' }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, socket: null, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('upgrade hung')));
    req.end();
  });
}

describe('gateway: routing by Host header', () => {
  let h: OrchestratorHarness;
  before(async () => {
    h = await startOrchestratorHarness();
  });
  after(() => h.close());
  const preview = (id: string) => `http://${id}.localhost:${h.port}`;
  const runner = (id: string) => `http://${id}-ws.localhost:${h.port}`;

  test('an unknown repl is a 404 page (preview) or JSON error (runner), upgrades included; never a hang', async () => {
    const p = await httpRequest(`${preview('nosuchrepl12')}/`);
    assert.equal(p.status, 404);
    assert.match(p.headers['content-type'] ?? '', /text\/html/);
    assert.match(p.text, /No such repl/);
    const r = await httpRequest(`${runner('nosuchrepl12')}/socket.io/?EIO=4&transport=polling`);
    assert.equal(r.status, 404);
    assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'ENOENT');
    const u = await upgrade(`${runner('nosuchrepl12')}/socket.io/?EIO=4&transport=websocket`);
    assert.equal(u.status, 404);
  });

  test('a stopped repl is a 503 that says so; a host that is no repl gets the IDE', async () => {
    const id = await h.create('node');
    const p = await httpRequest(`${preview(id)}/`);
    assert.equal(p.status, 503);
    assert.match(p.text, /not running/);
    const r = await httpRequest(`${runner(id)}/readyz`);
    assert.equal(r.status, 503);
    assert.equal((JSON.parse(r.text) as { error: { code: string } }).error.code, 'EUNAVAILABLE');
    assert.equal((await upgrade(`${runner(id)}/socket.io/?EIO=4&transport=websocket`)).status, 503);
    const home = await httpRequest(`http://localhost:${h.port}/`);
    assert.match(home.text, /<div id="root">/);
  });

  test('a running repl: 502 page until its app listens, then HTTP and WebSocket upgrades reach the app', async () => {
    const id = await h.create('node');
    const started = await h.start(id);
    const none = await httpRequest(`${preview(id)}/`);
    assert.equal(none.status, 502);
    assert.match(none.text, /Nothing is running yet/);
    // The waiting page checks with a probe, which is no error (no 502 in the browser's console).
    const probe = { headers: { 'x-cubicle-preview-probe': '1' } };
    const waiting = await httpRequest(`${preview(id)}/`, probe);
    assert.equal(waiting.status, 204);
    assert.equal(waiting.headers['x-cubicle-waiting'], '1');

    const socket = await h.connect(started);
    const reader = new TerminalReader(socket);
    const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 120, rows: 24 })) as { id: string };
    // An app that serves HTTP and echoes raw bytes after an upgrade (what a dev server's HMR socket needs).
    const app = `require('http').createServer((q,s)=>s.end('app saw '+q.headers.host+q.url)).on('upgrade',(q,s)=>{s.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n');s.pipe(s)}).listen(process.env.PORT,()=>console.log('app'+'-up'))`;
    socket.emit('terminal:write', { id: term, data: `node -e "${app}" &\r` });
    await reader.waitFor(term, 'app-up', 10_000);

    const page = await httpRequest(`${preview(id)}/hello?x=1`);
    assert.equal(page.status, 200);
    assert.equal(page.text, `app saw ${id}.localhost:${h.port}/hello?x=1`, 'path, query and Host reach the app');
    const ready = await httpRequest(`${preview(id)}/`, probe);
    assert.equal(ready.status, 200, 'once the app answers, the probe reaches it (and the page reloads)');
    assert.equal(ready.headers['x-cubicle-waiting'], undefined);

    const u = await upgrade(`${preview(id)}/hmr`);
    assert.equal(u.status, 101);
    const echoed = new Promise<string>((resolve) => u.socket?.once('data', (d: Buffer) => resolve(d.toString())));
    u.socket?.write('ping-through-gateway');
    assert.equal(await echoed, 'ping-through-gateway');
    u.socket?.destroy();
    socket.disconnect();
    await h.api('POST', `/api/repls/${id}/stop`);
    await eventually(async () => (await httpRequest(`${preview(id)}/`)).status === 503, 5000, 'preview 503 after stop');
  });

  test('every port gets its own preview host through the runner: HTTP and upgrades, a page while nothing listens', async () => {
    const id = await h.create('shell');
    const started = await h.start(id);
    const port8081 = `http://8081-${id}.localhost:${h.port}`;
    const none = await httpRequest(`${port8081}/`);
    assert.equal(none.status, 502);
    assert.match(none.text, /Nothing is listening on port 8081/);
    assert.equal((await httpRequest(`${port8081}/`, { headers: { 'x-cubicle-preview-probe': '1' } })).status, 204);

    const socket = await h.connect(started);
    const reader = new TerminalReader(socket);
    const ports: number[][] = [];
    socket.on('ports:changed', ({ ports: p }) => ports.push(p.map((x) => x.port)));
    const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 120, rows: 24 })) as { id: string };
    const app = `require('http').createServer((q,s)=>s.end('second server saw '+q.headers.host+q.url)).on('upgrade',(q,s)=>{s.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n');s.pipe(s)}).listen(8081,'127.0.0.1',()=>console.log('second'+'-up'))`;
    socket.emit('terminal:write', { id: term, data: `node -e "${app}" &\r` });
    await reader.waitFor(term, 'second-up', 10_000);
    await eventually(() => ports.some((p) => p.includes(8081)), 5000, 'ports:changed lists 8081');
    const listed = (await socket.emitWithAck('ports:list', {})) as { ports: { port: number }[] };
    assert.ok(listed.ports.some((p) => p.port === 8081));

    const page = await httpRequest(`${port8081}/x?y=1`);
    assert.equal(page.status, 200);
    assert.equal(page.text, `second server saw 8081-${id}.localhost:${h.port}/x?y=1`);
    const u = await upgrade(`${port8081}/ws`);
    assert.equal(u.status, 101);
    const echoed = new Promise<string>((resolve) => u.socket?.once('data', (d: Buffer) => resolve(d.toString())));
    u.socket?.write('ping-port');
    assert.equal(await echoed, 'ping-port');
    u.socket?.destroy();
    // No such port: not a repl's host, and not a name the IDE answers to either (DNS rebinding).
    const noPort = await httpRequest(`http://99999-${id}.localhost:${h.port}/`);
    assert.equal(noPort.status, 403);
    assert.match(noPort.text, /does not answer for host/);
    socket.disconnect();
    await h.api('POST', `/api/repls/${id}/stop`);
  });

  test('the preview explains a missing app: starting, or crashed with its last output', async () => {
    const id = await h.create('node');
    const socket = await h.connect(await h.start(id));
    const config = (run: string) =>
      socket.emitWithAck('updateContent', { path: 'cubicle.json', content: JSON.stringify({ run }) });
    await config('echo "warming up"; sleep 30');
    await socket.emitWithAck('process:start', { name: 'app' });
    const starting = await httpRequest(`${preview(id)}/`);
    assert.equal(starting.status, 502);
    assert.match(starting.text, /Your app is starting/);
    assert.match(starting.text, /warming up/);

    await socket.emitWithAck('process:stop', { name: 'app' });
    await config('echo "cannot find module express" >&2; exit 1');
    await socket.emitWithAck('process:start', { name: 'app' });
    await eventually(
      async () => /Your app crashed/.test((await httpRequest(`${preview(id)}/`)).text),
      10_000,
      'crash page',
    );
    const crashed = await httpRequest(`${preview(id)}/`);
    assert.equal(crashed.status, 502);
    assert.match(crashed.text, /cannot find module express/);
    assert.match(crashed.text, /exited with code 1/);
    socket.disconnect();
  });

  test('a frame over the runner limit closes that socket at once, through the gateway; others keep working', async () => {
    const started = await h.start(await h.create('shell'));
    const [victim, other] = [await h.connect(started), await h.connect(started)];
    const t0 = Date.now();
    const closed = new Promise<string>((resolve) => victim.once('disconnect', (reason) => resolve(reason)));
    emitRaw(victim, 'updateContent', { path: 'flood.txt', content: 'x'.repeat(50_000_000) });
    assert.equal(await closed, 'transport close');
    const seconds = (Date.now() - t0) / 1000;
    // Not left half-open until ws's 30-second close timeout, as it was.
    assert.ok(seconds < 15, `closed after ${seconds} s`);
    const listing = (await other.emitWithAck('fetchDir', { path: '' })) as {
      ok: boolean;
      entries?: { name: string }[];
    };
    assert.ok(listing.ok);
    assert.ok(!listing.entries?.some((e) => e.name === 'flood.txt'));
    other.disconnect();
  });
});
