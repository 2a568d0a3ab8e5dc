import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ActivityResponse } from '@cubicle/protocol';
import { eventually, makeRunnerRoot, runnerLimits, sleep, startRunner } from './test-support/runner-harness.js';
import { TerminalReader } from './test-support/terminal-reader.js';

const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));

describe('runner serve: HTTP, lifecycle and configuration', () => {
  it('serves health, readiness, activity and metrics', async () => {
    const runner = await startRunner();
    try {
      assert.deepEqual(await (await fetch(`${runner.url}/healthz`)).json(), { status: 'ok' });
      const ready = await fetch(`${runner.url}/readyz`);
      assert.equal(ready.status, 200);

      const activity = async () => ActivityResponse.parse(await (await fetch(`${runner.url}/activity`)).json());
      const idle = await activity();
      assert.deepEqual([idle.clients, idle.terminals], [0, 0]);
      await sleep(20);
      const client = await runner.connect();
      const afterConnect = await activity();
      assert.equal(afterConnect.clients, 1);
      assert.equal(afterConnect.lastActivityAt, idle.lastActivityAt, 'an open tab alone is not activity');

      const term = new TerminalReader(client);
      const { id } = (await client.emitWithAck('terminal:create', { cols: 80, rows: 24 })) as { id: string };
      await term.waitFor(id, /\$ $/);
      await sleep(20);
      const t0 = Date.now();
      client.emit('terminal:write', { id, data: 'true\r' });
      const afterInput = await eventually(async () => {
        const a = await activity();
        return a.lastActivityAt >= t0 ? a : undefined;
      });
      assert.equal(afterInput.terminals, 1);
      await sleep(20);
      const t1 = Date.now();
      await client.emitWithAck('createFile', { path: 'x.txt', content: 'x' });
      assert.ok((await activity()).lastActivityAt >= t1, 'a file change is activity');

      await client.emitWithAck('fetchContent', { path: 'missing' });
      const metrics = await (await fetch(`${runner.url}/metrics`)).text();
      assert.match(metrics, /runner_connected_clients 1/);
      assert.match(metrics, /runner_terminals 1/);
      assert.match(metrics, /runner_terminal_output_chars_total [1-9]/);
      assert.match(metrics, /runner_file_ops_total\{op="createFile",result="ok"\} 1/);
      assert.match(metrics, /runner_file_ops_total\{op="fetchContent",result="ENOENT"\} 1/);
      assert.match(metrics, /process_resident_memory_bytes/);

      const missing = await fetch(`${runner.url}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'ENOENT');
    } finally {
      assert.equal(await runner.stop(), 0);
    }
  });

  it('on SIGTERM ends every terminal and its jobs, disconnects clients and exits 0 within seconds', async () => {
    const runner = await startRunner();
    const client = await runner.connect();
    const term = new TerminalReader(client);
    for (const id of ['a', 'b']) {
      await client.emitWithAck('terminal:create', { cols: 80, rows: 24, id });
      await term.waitFor(id, /\$ $/);
      // a background job in its own process group, and one that ignores SIGHUP
      client.emit('terminal:write', { id, data: 'sleep 600 & trap "" HUP; sleep 600\r' });
    }
    await sleep(300);
    assert.ok(runner.leftoverProcesses().length >= 6, 'shells and sleeps are running');
    const disconnected = new Promise((resolve) => client.once('disconnect', resolve));
    const t0 = Date.now();
    const code = await runner.stop('SIGTERM');
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms`);
    await disconnected;
    assert.deepEqual(runner.leftoverProcesses(), [], 'no shell or job outlives the runner');
  });

  it('refuses bad configuration with one clear line and exit code 2', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [CLI, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
    const noKeys = run({ REPL_ID: 'r1' });
    assert.equal(noKeys.status, 2);
    assert.match(noKeys.stderr, /^runner: invalid runner configuration: RUNNER_KEYS_FILE/);
    assert.equal(noKeys.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    const badId = run({ REPL_ID: 'Bad_Id', RUNNER_KEYS_FILE: '/nowhere' });
    assert.match(badId.stderr, /REPL_ID must be a DNS label/);
    const badPort = run({ REPL_ID: 'r1', RUNNER_KEYS_FILE: '/nowhere', PORT: 'abc' });
    assert.match(badPort.stderr, /PORT/);
    assert.equal(badPort.status, 2);
    // A low watermark at or under the IDE's ack batch would leave a paused terminal paused for good.
    const lowWatermark = run({ REPL_ID: 'r1', RUNNER_KEYS_FILE: '/nowhere', FLOW_LOW_WATERMARK: '65536' });
    assert.equal(lowWatermark.status, 2);
    assert.match(lowWatermark.stderr, /FLOW_LOW_WATERMARK must be above the IDE's terminal ack batch \(65536 bytes\)/);
  });

  it('tells every client at connect the limits it enforces (a configured file limit included)', async () => {
    const runner = await startRunner({ MAX_FILE_BYTES: String(3 * 1024 * 1024) });
    try {
      const client = await runner.connect();
      await eventually(() => runnerLimits(client) !== null, 5000, 'runner:limits');
      assert.deepEqual(runnerLimits(client), { maxFileBytes: 3 * 1024 * 1024 });
      const over = await client.emitWithAck('createFile', {
        path: 'big.bin',
        content: Buffer.alloc(3 * 1024 * 1024 + 1).toString('base64'),
        encoding: 'base64',
      });
      assert.equal(over.ok ? 'ok' : over.error.code, 'E2BIG', 'and enforces it');
    } finally {
      await runner.stop();
    }
  });

  it('will not serve without a readable key set: one clear line', () => {
    const root = makeRunnerRoot();
    try {
      const notJson = path.join(root, 'keys.json');
      fs.writeFileSync(notJson, '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}'); // a symmetric key is no public key
      for (const file of [path.join(root, 'missing.json'), notJson]) {
        const r = spawnSync(process.execPath, [CLI, 'serve'], {
          env: {
            PATH: process.env.PATH ?? '',
            REPL_ID: 'r1',
            RUNNER_KEYS_FILE: file,
            RUNNER_SYNC: 'off',
            WORKSPACE_DIR: path.join(root, 'workspace'),
            STATE_DIR: path.join(root, 'state'),
            HOST: '127.0.0.1',
            PORT: '0',
          },
          encoding: 'utf8',
        });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^runner: RUNNER_KEYS_FILE .* is not a usable key set/);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
