import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  parseTerminalStreamMessage,
  TERMINAL_INPUT_MAX_CHARS,
  TerminalStreamClose,
  TerminalStreamExit,
  TerminalStreamMessage,
} from '@cubicle/protocol';
import {
  eventually,
  type RunnerClient,
  type RunnerHarness,
  sleep,
  startRunner,
} from '../test-support/runner-harness.js';
import { StreamRefused, TerminalStreamClient } from '../test-support/terminal-stream-client.js';
import { FLOW_HIGH_WATERMARK, OUTPUT_MAX_CHUNK_BYTES } from '../tuning.js';

/** The serialized replay puts the bracketed-paste mode after the prompt; live output puts it first. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the prompt may be followed by an escape sequence
const PROMPT = /\$ (\x1b\[\?2004h)?$/;

async function ticketFor(
  client: RunnerClient,
  event: 'terminal:create' | 'terminal:attach',
  payload: { id?: string; binary?: boolean },
): Promise<{ id: string; ticket: string }> {
  const r =
    event === 'terminal:create'
      ? await client.emitWithAck('terminal:create', { cols: 80, rows: 24, ...payload, stream: true })
      : await client.emitWithAck('terminal:attach', { id: payload.id ?? '', binary: payload.binary, stream: true });
  assert.ok(r.ok && r.ticket, JSON.stringify(r));
  return { id: r.id, ticket: r.ticket };
}

/** Terminal output the runner has handed to its clients so far (its metric), in bytes. */
async function outputSent(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/^runner_terminal_output_chars_total (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
}

/** `read()` once it returns the same value twice, 300 ms apart: output has stopped flowing. */
async function steady(read: () => number | Promise<number>, timeoutMs: number): Promise<number> {
  let last = -1;
  await eventually(
    async () => {
      const now = await read();
      const still = now === last;
      last = now;
      await sleep(300);
      return still;
    },
    timeoutMs,
    'output to stop',
  );
  return last;
}

async function refusal(open: Promise<TerminalStreamClient>): Promise<number> {
  const err = await open.then(
    () => assert.fail('the stream opened'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StreamRefused, String(err));
  return err.status;
}

describe('parseTerminalStreamMessage', () => {
  it('answers as TerminalStreamMessage.safeParse does, for any message', () => {
    const values: unknown[] = [
      'k',
      '',
      '日本😀',
      'x'.repeat(TERMINAL_INPUT_MAX_CHARS),
      'x'.repeat(TERMINAL_INPUT_MAX_CHARS + 1),
      7,
      null,
      undefined,
      ['k'],
      { data: 'k' },
    ];
    const messages: unknown[] = [
      null,
      'input',
      3,
      [],
      ['input', 'k'],
      { type: 'ack', bytes: 10 },
      { type: 'resize', cols: 80, rows: 24 },
    ];
    for (const type of ['input', 'Input', 'ack', 'resize', undefined, 1]) {
      for (const data of values) {
        messages.push({ type, data }, { type, data, extra: true }, { data, type });
      }
    }
    messages.push({ type: 'input' }, Object.assign(['k'], { type: 'input', data: 'k' }));
    for (const message of messages) {
      const fast = parseTerminalStreamMessage(message);
      const schema = TerminalStreamMessage.safeParse(message);
      const what = JSON.stringify(message)?.slice(0, 80) ?? String(message);
      assert.equal(fast.success, schema.success, what);
      if (schema.success) assert.deepEqual(fast.data, schema.data, what);
      else assert.deepEqual(fast.error?.issues, schema.error.issues, what);
    }
  });
});

describe('terminal streams (real runner, real PTYs, real WebSockets)', () => {
  let runner: RunnerHarness;
  let client: RunnerClient;
  before(async () => {
    runner = await startRunner({ TERMINAL_GRACE_MS: '800' });
    client = await runner.connect();
  });
  /** A new terminal, opened as a binary stream, at its prompt. */
  async function newShell(): Promise<{ id: string; stream: TerminalStreamClient }> {
    const { id, ticket } = await ticketFor(client, 'terminal:create', { binary: true });
    const stream = await TerminalStreamClient.open(runner.url, ticket);
    await stream.waitFor(PROMPT);
    return { id, stream };
  }

  /** Waits until the runner lists no terminal `id`. */
  async function terminalGone(id: string, timeoutMs = 5000): Promise<void> {
    await eventually(
      async () => {
        const listed = await client.emitWithAck('terminal:list', {});
        return listed.ok && !listed.terminals.some((t) => t.id === id);
      },
      timeoutMs,
      `terminal ${id} to close`,
    );
  }

  after(async () => {
    client.disconnect();
    assert.equal(await runner.stop(), 0);
    assert.deepEqual(runner.leftoverProcesses(), [], 'no process outlives the runner');
  });

  it('carries a shell as bare frames: output in binary frames, input as messages, the exit as the close', async () => {
    const onSocket: unknown[] = [];
    client.on('terminal:data', (push) => onSocket.push(push));
    const { ticket } = await ticketFor(client, 'terminal:create', { binary: true });
    const stream = await TerminalStreamClient.open(runner.url, ticket);
    await stream.waitFor(PROMPT);
    stream.input('printf "\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd %s\\n" $((6*7))\r');
    await stream.waitFor('你好 42');
    assert.ok(stream.binaryFrames > 0 && stream.textFrames === 0, 'a binary stream sends binary frames only');
    stream.input('exit 3\r');
    const { code, reason } = await stream.closed;
    assert.equal(code, TerminalStreamClose.exited);
    assert.deepEqual(TerminalStreamExit.parse(JSON.parse(reason)), { exitCode: 3, signal: null });
    client.off('terminal:data');
    assert.deepEqual(onSocket, [], 'nothing of a streamed terminal goes to the Socket.io connection');
  });

  it('sends text frames to a client that did not ask for bytes', async () => {
    const { id, ticket } = await ticketFor(client, 'terminal:create', {});
    const stream = await TerminalStreamClient.open(runner.url, ticket);
    await stream.waitFor(PROMPT);
    stream.input('echo text-$((2+3))\r');
    await stream.waitFor('text-5');
    assert.ok(stream.textFrames > 0 && stream.binaryFrames === 0);
    client.emit('terminal:close', { id });
    assert.equal((await stream.closed).code, TerminalStreamClose.exited);
  });

  it('replays the screen to a stream that attaches later, and resizes from the stream', async () => {
    const { id, ticket } = await ticketFor(client, 'terminal:create', { binary: true });
    const first = await TerminalStreamClient.open(runner.url, ticket);
    await first.waitFor(PROMPT);
    first.send({ type: 'resize', cols: 101, rows: 31 });
    first.input('echo before-$((40+2)); stty size\r');
    await first.waitFor('31 101');
    first.close(); // leaves the shell running
    await first.closed;
    const again = await ticketFor(client, 'terminal:attach', { id, binary: true });
    const second = await TerminalStreamClient.open(runner.url, again.ticket);
    await second.waitFor('before-42');
    second.input('echo after\r');
    await second.waitFor(/after\r\n.*\$ $/s);
    client.emit('terminal:close', { id });
    await second.closed;
  });

  it('a shell that exits on its stream leaves nothing behind: the same id made again ends unattended', async () => {
    const id = 'reused-id';
    const first = await ticketFor(client, 'terminal:create', { id, binary: true });
    const stream = await TerminalStreamClient.open(runner.url, first.ticket);
    await stream.waitFor(PROMPT);
    stream.input('exit\r');
    assert.equal((await stream.closed).code, TerminalStreamClose.exited);
    await terminalGone(id);
    await ticketFor(client, 'terminal:create', { id, binary: true }); // never opened: its grace period (800 ms) ends it
    await terminalGone(id, 10_000);
  });

  it('opens only with a fresh, unused ticket from an allowed origin', async () => {
    const { id, ticket } = await ticketFor(client, 'terminal:create', { binary: true });
    const other = await ticketFor(client, 'terminal:attach', { id });
    assert.equal(await refusal(TerminalStreamClient.open(runner.url, other.ticket, 'https://evil.example')), 403);
    const stream = await TerminalStreamClient.open(runner.url, ticket);
    assert.equal(await refusal(TerminalStreamClient.open(runner.url, ticket)), 401, 'a ticket opens one stream');
    assert.equal(await refusal(TerminalStreamClient.open(runner.url, 'A'.repeat(43))), 401, 'a forged ticket');
    assert.equal(await refusal(TerminalStreamClient.open(runner.url, '')), 401, 'no ticket');
    client.emit('terminal:close', { id });
    await stream.closed;
    const late = await ticketFor(client, 'terminal:create', {});
    client.emit('terminal:close', { id: late.id });
    await terminalGone(late.id);
    assert.equal(await refusal(TerminalStreamClient.open(runner.url, late.ticket)), 404, 'the terminal is gone');
  });

  it('closes a stream that sends a malformed message with the reason, and the shell lives on', async () => {
    const { id, ticket } = await ticketFor(client, 'terminal:create', { binary: true });
    for (const bad of ['{"type":"input"', JSON.stringify({ type: 'resize', cols: 0, rows: 5 }), '{"type":"paste"}']) {
      const again = await ticketFor(client, 'terminal:attach', { id, binary: true });
      const stream = await TerminalStreamClient.open(runner.url, again.ticket);
      stream.send(bad);
      const { code, reason } = await stream.closed;
      assert.equal(code, TerminalStreamClose.invalidMessage, bad);
      assert.match(reason, /JSON|invalid message/);
    }
    const last = await TerminalStreamClient.open(runner.url, ticket);
    last.input('echo alive\r');
    await last.waitFor('alive\r\n');
    client.emit('terminal:close', { id });
    await last.closed;
  });

  it('pauses the shell for a stream that stops reading, and resumes when it reads again', async () => {
    const { id, stream } = await newShell();
    stream.input('yes flood-line | head -c 40000000; echo END-$((1+1))\r'); // 40 MB, never acked
    await eventually(() => stream.received > 1_000_000, 10_000, 'output');
    stream.pauseReading();
    // Sent by the runner but not read: its own queue (up to the high watermark) and the kernel's
    // socket buffers. Unpaused, the shell would pour the rest of 40 MB in. Held once it stops growing.
    const inFlight = await steady(async () => (await outputSent(runner.url)) - stream.received, 20_000);
    assert.ok(inFlight < 16 * 1024 * 1024, `${inFlight >> 20} MB went out behind a stalled reader`);
    stream.resumeReading();
    const stalledAt = stream.received;
    await eventually(() => stream.received > stalledAt + 8_000_000, 20_000, 'output to flow again');
    client.emit('terminal:close', { id });
    await stream.closed;
  });

  it('pauses the shell while an acking stream is a high watermark behind, and resumes on its acks', async () => {
    const { id, stream } = await newShell();
    stream.send({ type: 'ack', bytes: 0 }); // opts in, then renders nothing
    stream.input('yes flood-line | head -c 30000000; echo END-$((1+1))\r');
    await eventually(() => stream.received > FLOW_HIGH_WATERMARK / 2, 10_000, 'output');
    const before = stream.received;
    // Held at the mark: wait until nothing more arrives for a while, then check the total.
    await steady(() => stream.received, 10_000);
    assert.ok(stream.received <= FLOW_HIGH_WATERMARK + 2 * OUTPUT_MAX_CHUNK_BYTES, `${stream.received} unacked`);
    assert.ok(stream.received >= before);
    const ackTimer = setInterval(() => stream.send({ type: 'ack', bytes: 256 * 1024 }), 5);
    try {
      await stream.waitFor('END-2', 60_000);
    } finally {
      clearInterval(ackTimer);
    }
    client.emit('terminal:close', { id });
    await stream.closed;
  });
});
