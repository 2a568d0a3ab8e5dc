import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { terminalDataLength } from '@cubicle/protocol';
import {
  eventually,
  processAlive,
  type RunnerClient,
  type RunnerHarness,
  rssBytes,
  sleep,
  startRunner,
} from '../test-support/runner-harness.js';
import { TerminalReader } from '../test-support/terminal-reader.js';
import { FLOW_HIGH_WATERMARK, OUTPUT_MAX_CHUNK_BYTES } from '../tuning.js';

const PROMPT = /\$ $/;

interface CreateOptions {
  id?: string;
  cols?: number;
  rows?: number;
  /** Output as bytes, as the IDE asks for it; strings otherwise (the original protocol). */
  binary?: boolean;
}

async function createTerminal(client: RunnerClient, { id, cols = 80, rows = 24, binary }: CreateOptions = {}) {
  const r = await client.emitWithAck('terminal:create', {
    cols,
    rows,
    ...(id ? { id } : {}),
    ...(binary ? { binary } : {}),
  });
  assert.ok(r.ok, JSON.stringify(r));
  return r.id;
}

describe('terminals (real runner, real PTYs)', () => {
  let runner: RunnerHarness;
  before(async () => {
    runner = await startRunner({ TERMINAL_GRACE_MS: '800' });
  });
  after(async () => {
    assert.equal(await runner.stop(), 0);
    assert.deepEqual(runner.leftoverProcesses(), [], 'no process outlives the runner');
  });

  it('the prompt names the workspace as ~/workspace, not the path it is mounted at', async () => {
    const client = await runner.connect();
    const term = new TerminalReader(client);
    const id = await createTerminal(client);
    await term.waitFor(id, '~/workspace\x1b[0m$ ');
    client.emit('terminal:write', { id, data: 'mkdir -p src/lib && cd src/lib\r' });
    const out = await term.waitFor(id, '~/workspace/src/lib\x1b[0m$ ');
    assert.ok(!out.includes(runner.workspace), `the host path stays out of the prompt:\n${out}`);
    client.emit('terminal:close', { id });
    await eventually(() => term.exits.get(id), 3000, 'exit');
    client.disconnect();
  });

  it('echoes through a shell in the workspace, as an unprivileged user, with a 256-colour TERM', async () => {
    const client = await runner.connect();
    const term = new TerminalReader(client);
    const id = await createTerminal(client);
    await term.waitFor(id, PROMPT);
    client.emit('terminal:write', { id, data: 'echo $((6*7)) $TERM $(pwd) uid=$(id -u)\r' });
    const out = await term.waitFor(id, /42 xterm-256color \S+ uid=\d+/);
    const [, cwd, uid] = /42 xterm-256color (\S+) uid=(\d+)/.exec(out) ?? [];
    assert.equal(cwd, runner.workspace);
    assert.notEqual(uid, '0', 'the shell never runs as root');
    client.emit('terminal:close', { id });
    await eventually(() => term.exits.get(id), 3000, 'exit');
    client.disconnect();
  });

  it('keeps the original one-terminal protocol: a bare terminal:write uses the default terminal', async () => {
    const client = await runner.connect();
    const term = new TerminalReader(client);
    client.emit('terminal:write', { data: 'echo default-$((1+1))\r' });
    await term.waitFor('default', 'default-2');
    client.emit('terminal:close', { id: 'default' });
    await eventually(() => term.exits.get('default'), 3000, 'exit');
    client.disconnect();
  });

  it('refuses a duplicate id and unknown terminals with their codes', async () => {
    const client = await runner.connect();
    const id = await createTerminal(client, { id: 'dup' });
    const again = await client.emitWithAck('terminal:create', { cols: 80, rows: 24, id });
    assert.ok(!again.ok && again.error.code === 'EEXIST');
    const missing = await client.emitWithAck('terminal:attach', { id: 'nope' });
    assert.ok(!missing.ok && missing.error.code === 'ENOENT');
    const bad = await client.emitWithAck('terminal:create', { cols: 0, rows: 24, id: '../x' } as never);
    assert.ok(!bad.ok && bad.error.code === 'EINVAL');
    client.emit('terminal:close', { id });
    client.disconnect();
  });

  it('survives a reload: attach replays earlier output and the running full-screen program', async () => {
    const first = await runner.connect();
    const t1 = new TerminalReader(first);
    const id = await createTerminal(first, { id: 'reload-me', cols: 100, rows: 30 });
    await t1.waitFor(id, PROMPT);
    first.emit('terminal:write', { id, data: 'echo before-$((20+1))\r' });
    await t1.waitFor(id, 'before-21');
    // A full-screen program: alternate screen, cleared, text at row 5, still running.
    first.emit('terminal:write', {
      id,
      data: "printf '\\033[?1049h\\033[2J\\033[5;10HFULL-SCREEN-APP'; sleep 600\r",
    });
    await t1.waitFor(id, 'FULL-SCREEN-APP');
    first.disconnect(); // the page reloads

    const second = await runner.connect();
    const t2 = new TerminalReader(second);
    const listed = await second.emitWithAck('terminal:list', {});
    assert.ok(listed.ok && listed.terminals.some((t) => t.id === id && t.cols === 100 && t.rows === 30));
    const attached = await second.emitWithAck('terminal:attach', { id, binary: true });
    assert.deepEqual(attached, { ok: true, id, cols: 100, rows: 30 });
    const replay = t2.output(id);
    assert.ok(replay.includes('before-21'), 'scrollback of the normal screen is replayed');
    assert.ok(replay.includes('\x1b[?1049h'), 'the replay switches to the alternate screen');
    // (The typed command line, echoed in the scrollback, also holds the text: look at the last one.)
    assert.ok(replay.lastIndexOf('FULL-SCREEN-APP') > replay.indexOf('\x1b[?1049h'), 'the app is drawn on it');
    assert.ok(!replay.includes('\x1b[2J\x1b[5;10H'), 'the replay is a redraw, not the raw bytes');

    second.emit('terminal:write', { id, data: '\x03' }); // the program is still running: interrupt it
    second.emit('terminal:write', { id, data: "printf '\\033[?1049l'; echo after-$((40+2))\r" });
    await t2.waitFor(id, 'after-42');
    second.emit('terminal:close', { id });
    second.disconnect();
  });

  it('replays the end of a flood exactly, right after it and after a pause', async () => {
    const first = await runner.connect();
    const t1 = new TerminalReader(first, 32 * 1024);
    const id = await createTerminal(first, { cols: 100, rows: 30, binary: true });
    await t1.waitFor(id, PROMPT);
    // The flood ends in plain lines, then nothing for a while: the mirror may still hold its last lines.
    first.emit('terminal:write', { id, data: 'seq 1 300000; sleep 2; echo FLOOD-$((2*3))-DONE\r' });
    await t1.waitFor(id, /\n300000\r\n$/, 20000);
    for (const pause of [0, 500]) {
      await sleep(pause);
      const other = await runner.connect();
      const t2 = new TerminalReader(other);
      assert.ok((await other.emitWithAck('terminal:attach', { id, binary: true })).ok);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the replay's text without its sequences
      const replay = t2.output(id).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      const numbers = [...replay.matchAll(/^(\d+)\r?$/gm)].map((m) => Number(m[1]));
      assert.ok(numbers.length >= 900, `scrollback replayed (${numbers.length} lines)`);
      assert.equal(numbers.at(-1), 300000, 'the last line of the flood');
      assert.deepEqual(
        numbers.slice(-900),
        Array.from({ length: 900 }, (_, i) => 300000 - 899 + i),
        'in order, none missing',
      );
      other.disconnect();
    }
    await t1.waitFor(id, 'FLOOD-6-DONE', 5000);
    first.emit('terminal:close', { id });
    first.disconnect();
  });

  it('shows the same shell to two clients (one taking strings, one bytes), and resizes it for both', async () => {
    const a = await runner.connect();
    const b = await runner.connect();
    const ta = new TerminalReader(a);
    const tb = new TerminalReader(b);
    const id = await createTerminal(a);
    await ta.waitFor(id, PROMPT);
    assert.ok((await b.emitWithAck('terminal:attach', { id, binary: true })).ok);
    b.emit('terminal:write', { id, data: 'echo shared-$((3*3))\r' });
    await ta.waitFor(id, 'shared-9');
    await tb.waitFor(id, 'shared-9');
    a.emit('terminal:resize', { id, cols: 132, rows: 40 });
    b.emit('terminal:write', { id, data: 'stty size\r' });
    await ta.waitFor(id, '40 132');
    a.emit('terminal:close', { id });
    await eventually(() => ta.exits.has(id) && tb.exits.has(id), 3000, 'both see the exit');
    a.disconnect();
    b.disconnect();
  });

  for (const binary of [true, false]) {
    it(`never splits a UTF-8 character and loses no byte under flow control (${binary ? 'bytes' : 'strings'})`, async () => {
      await utf8FloodArrivesWhole(binary);
    });
  }

  async function utf8FloodArrivesWhole(binary: boolean): Promise<void> {
    const client = await runner.connect();
    const term = new TerminalReader(client, 16 * 1024); // acks like the browser, in 16 KB batches
    const id = await createTerminal(client, { cols: 200, rows: 50, binary });
    await term.waitFor(id, PROMPT);
    term.clear(id);
    client.emit('terminal:write', {
      id,
      // Escapes, so the echoed command line itself holds none of the characters counted.
      data: 'python3 -c "import sys; sys.stdout.write(\'\\u00e9\\U0001F600ab\' * 300000)"; echo; echo END-$((5*5))\r',
    });
    const out = await term.waitFor(id, 'END-25', 20000);
    assert.ok(!out.includes('\uFFFD'), 'no replacement characters');
    assert.equal(out.split('😀').length - 1, 300000, 'every emoji arrives exactly once');
    assert.equal(out.split('é').length - 1, 300000);
    client.emit('terminal:close', { id });
    client.disconnect();
  }

  it('interrupts `cat /dev/urandom | base64` with Ctrl-C within a second', async () => {
    const client = await runner.connect();
    const term = new TerminalReader(client, 16 * 1024);
    const id = await createTerminal(client);
    await term.waitFor(id, PROMPT);
    client.emit('terminal:write', { id, data: 'cat /dev/urandom | base64\r' });
    await eventually(() => term.output(id).length > 2_000_000, 10000, '2 MB of flood');
    term.clear(id);
    const t0 = Date.now();
    client.emit('terminal:write', { id, data: '\x03' });
    client.emit('terminal:write', { id, data: 'echo STOP_$((7*6))_\r' });
    await term.waitFor(id, 'STOP_42_', 3000);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 1000, `Ctrl-C took ${elapsed} ms`);
    client.emit('terminal:close', { id });
    client.disconnect();
  });

  it('bounds runner memory for a slow acking client while another terminal stays responsive', async () => {
    const slow = await runner.connect();
    let received = 0;
    let acked = 0;
    slow.on('terminal:data', ({ data }) => {
      received += terminalDataLength(data);
    });
    const floodId = await createTerminal(slow, { binary: true });
    const ackTimer = setInterval(() => {
      // Renders 32 KB every 50 ms (about 640 KB/s), far slower than the shell produces.
      const n = Math.min(32 * 1024, received - acked);
      if (n > 0) {
        slow.emit('terminal:ack', { id: floodId, bytes: n });
        acked += n;
      }
    }, 50);
    const baseline = rssBytes(runner.pid);
    slow.emit('terminal:write', { id: floodId, data: 'cat /dev/urandom | base64\r' });

    const fast = await runner.connect();
    const term = new TerminalReader(fast);
    const otherId = await createTerminal(fast);
    await term.waitFor(otherId, PROMPT);
    let peak = 0;
    const echoTimes: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = Date.now();
      fast.emit('terminal:write', { id: otherId, data: `echo ping-${i}-$((${i}+1000))\r` });
      await term.waitFor(otherId, `ping-${i}-${i + 1000}`, 3000);
      echoTimes.push(Date.now() - t0);
      peak = Math.max(peak, rssBytes(runner.pid));
      await sleep(200);
    }
    clearInterval(ackTimer);
    assert.ok(
      received - acked <= FLOW_HIGH_WATERMARK + OUTPUT_MAX_CHUNK_BYTES,
      `in flight to the slow client: ${received - acked} bytes (acked ${acked})`,
    );
    assert.ok(peak - baseline < 64 * 1024 * 1024, `runner RSS grew by ${((peak - baseline) / 1048576).toFixed(1)} MB`);
    assert.ok(Math.max(...echoTimes) < 500, `second terminal echo times: ${echoTimes.join(', ')} ms`);
    slow.emit('terminal:close', { id: floodId });
    fast.emit('terminal:close', { id: otherId });
    slow.disconnect();
    fast.disconnect();
  });

  it('closes a terminal nobody attaches to after the grace period, with its processes', async () => {
    const client = await runner.connect();
    const term = new TerminalReader(client);
    const id = await createTerminal(client, { id: 'orphan' });
    await term.waitFor(id, PROMPT);
    client.emit('terminal:write', { id, data: 'sleep 600 & sleep 600\r' });
    await sleep(200);
    const list = await client.emitWithAck('terminal:list', {});
    const pid = list.ok ? list.terminals.find((t) => t.id === id)?.pid : undefined;
    assert.ok(pid);
    client.disconnect();
    const probe = await runner.connect();
    await eventually(
      async () => {
        const r = await probe.emitWithAck('terminal:list', {});
        return r.ok && !r.terminals.some((t) => t.id === id);
      },
      5000,
      'terminal closed',
    );
    await eventually(() => !processAlive(pid), 3000, 'shell gone');
    probe.disconnect();
  });
});
