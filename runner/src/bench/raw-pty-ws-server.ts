/**
 * The raw limit for the terminal benchmark: node-pty piped to a bare WebSocket, no protocol,
 * no flow control, no replay, no auth. One shell per connection; text frames both ways.
 * Run as its own process (like the runner); prints `{"port":N}` when listening.
 */
import * as pty from 'node-pty';
import { WebSocketServer } from 'ws';

const shell = process.env.BENCH_SHELL ?? '/bin/bash';
const cwd = process.env.BENCH_CWD ?? process.cwd();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });

server.on('connection', (socket, req) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const term = pty.spawn(shell, [], {
    name: 'xterm-256color',
    cols: Number(url.searchParams.get('cols') ?? 80),
    rows: Number(url.searchParams.get('rows') ?? 24),
    cwd,
    env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string>,
    encoding: 'utf8',
  });
  term.onData((data) => socket.send(data));
  term.onExit(() => socket.close());
  socket.on('message', (data) => term.write(data.toString()));
  socket.on('close', () => term.kill('SIGKILL'));
});

server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address) console.log(JSON.stringify({ port: address.port }));
});
process.on('SIGTERM', () => {
  for (const client of server.clients) client.terminate();
  server.close(() => process.exit(0));
});
