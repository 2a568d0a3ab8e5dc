import { type ChildProcess, spawn } from 'node:child_process';
import { type TerminalStreamMessage, terminalBytes, terminalDataLength } from '@cubicle/protocol';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import type { RunnerClient } from '../test-support/runner-harness.js';
import { streamUrl, tcpOf } from '../test-support/terminal-stream-client.js';

/**
 * What the benchmark needs of a terminal, whichever server is behind it. Output is handed on
 * as bytes, as a browser hands it to xterm.js: neither client builds strings of a flood.
 */
export interface BenchTerminal {
  write(data: string): void;
  onData(listener: (data: Uint8Array) => void): () => void;
  /** Ends the terminal. */
  close(): void;
  /** Goes away and leaves the terminal running (Cubicle keeps it; the raw server cannot). */
  leave(): void;
  /** Stops and restarts reading the connection, as a frozen browser tab does: the server's sends back up. */
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * Fans a terminal's output out to listeners. Output that arrives while nobody listens (the
 * prompt can come in the same read as the create ack) is kept for the next listener.
 */
class OutputFanout {
  private readonly listeners = new Set<(data: Uint8Array) => void>();
  private backlog: Uint8Array[] = [];

  emit(data: Uint8Array): void {
    if (this.listeners.size === 0) this.backlog.push(data);
    for (const l of this.listeners) l(data);
  }

  listen(listener: (data: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    const pending = this.backlog;
    this.backlog = [];
    // Delivered after listen() returns, so the listener may already unsubscribe itself.
    if (pending.length > 0) queueMicrotask(() => listener(Buffer.concat(pending)));
    return () => this.listeners.delete(listener);
  }
}

/**
 * A shell prompt at the end of the output. A replayed screen (a terminal stream starts with one)
 * puts the bracketed-paste mode after the prompt; live output puts it first.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the prompt may be followed by an escape sequence
export const BENCH_PROMPT = /[$#] (\x1b\[\?2004h)?$/;

/** Takes output as bytes and acks like the browser does: once rendered, in batches well under the low watermark. */
const ACK_BATCH_CHARS = 32 * 1024;

/**
 * A Cubicle terminal as the IDE opens it: over its own stream (docs/protocol.md, "Terminal
 * streams"), or with `stream: false` over the Socket.io connection (the original protocol).
 */
export async function openCubicleTerminal(
  url: string,
  token: string,
  cols: number,
  rows: number,
  { binary = true, stream = true }: { binary?: boolean; stream?: boolean } = {},
): Promise<BenchTerminal> {
  const socket: RunnerClient = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const output = new OutputFanout();
  const acks = new AckBatcher();
  const created = await socket.emitWithAck('terminal:create', { cols, rows, binary, stream });
  if (!created.ok) throw new Error(created.error.message);
  const termId = created.id;
  const closeTerminal = () => {
    // Ended for good (not left to its reconnect grace period), then the socket goes.
    const acked = socket.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
    void acked
      .emitWithAck('terminal:close', { id: termId })
      .catch(() => {})
      .finally(() => socket.disconnect());
  };
  if (created.ticket) {
    const ws = new WebSocket(streamUrl(url, created.ticket), { perMessageDeflate: false });
    const send = (message: TerminalStreamMessage) => ws.send(JSON.stringify(message));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const text = isBinary ? null : data.toString('utf8'); // a string client decodes, as a browser does
      output.emit(data);
      const bytes = acks.received(text === null ? data.length : text.length);
      if (bytes) send({ type: 'ack', bytes });
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    send({ type: 'ack', bytes: 0 }); // opt in to flow control from the start
    return {
      write: (data) => send({ type: 'input', data }),
      onData: (l) => output.listen(l),
      close: () => {
        ws.close();
        closeTerminal();
      },
      leave: () => {
        ws.close();
        socket.disconnect();
      },
      pauseReading: () => tcpOf(ws).pause(),
      resumeReading: () => tcpOf(ws).resume(),
    };
  }
  socket.on('terminal:data', ({ id, data }) => {
    output.emit(typeof data === 'string' ? Buffer.from(data) : terminalBytes(data));
    const bytes = acks.received(terminalDataLength(data));
    if (bytes) socket.emit('terminal:ack', { id, bytes });
  });
  socket.emit('terminal:ack', { id: termId, bytes: 0 }); // opt in to flow control from the start
  return {
    write: (data) => socket.emit('terminal:write', { id: termId, data }),
    onData: (l) => output.listen(l),
    close: closeTerminal,
    leave: () => socket.disconnect(),
    pauseReading: () => tcpOf(websocketOf(socket)).pause(),
    resumeReading: () => tcpOf(websocketOf(socket)).resume(),
  };
}

/** Acks like the browser: once rendered, in batches well under the low watermark. */
class AckBatcher {
  private unacked = 0;

  /** Returns the count to ack now, or 0. */
  received(length: number): number {
    this.unacked += length;
    if (this.unacked < ACK_BATCH_CHARS) return 0;
    const n = this.unacked;
    this.unacked = 0;
    return n;
  }
}

/** The `ws` WebSocket under a Socket.io client's websocket transport. */
function websocketOf(socket: RunnerClient): unknown {
  return (socket.io.engine.transport as unknown as { ws?: unknown }).ws;
}

export async function openRawTerminal(port: number, cols: number, rows: number): Promise<BenchTerminal> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/?cols=${cols}&rows=${rows}`, { perMessageDeflate: false });
  const output = new OutputFanout();
  socket.on('message', (data: Buffer) => output.emit(data));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    write: (data) => socket.send(data),
    onData: (l) => output.listen(l),
    close: () => socket.close(),
    leave: () => socket.close(),
    pauseReading: () => tcpOf(socket).pause(),
    resumeReading: () => tcpOf(socket).resume(),
  };
}

/** `home` should be as bare as the runner's shell HOME, so both shells start the same way. */
export async function startRawServer(
  serverScript: string,
  cwd: string,
  home: string,
): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [serverScript], {
    env: { ...process.env, BENCH_CWD: cwd, HOME: home },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`raw server exited with ${code}`)));
  });
  return { port, child };
}

/** Resolves once the terminal's output (from now on) matches `pattern`; decodes only a short tail. */
export function waitForOutput(term: BenchTerminal, pattern: RegExp, timeoutMs = 60000): Promise<void> {
  return new Promise((resolve, reject) => {
    let tail = '';
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting for ${pattern}; tail ${JSON.stringify(tail)}`));
    }, timeoutMs);
    const stop = term.onData((data) => {
      // The last 256 bytes of the chunk; a character cut at their start decodes as U+FFFD.
      tail = (
        tail + Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8', Math.max(0, data.length - 256))
      ).slice(-256);
      if (pattern.test(tail)) {
        clearTimeout(timer);
        stop();
        resolve();
      }
    });
  });
}

/** BENCH_RUNNER_ENV='A=1,B=2' passes settings to the runner under test (for tuning experiments). */
export function benchRunnerEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_RUNNER_ENV ?? '').split(',').filter(Boolean);
  return Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
}
