import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AuditList, ReplRecord, RunnerToken, type StartReplResponse } from '@cubicle/protocol';
import { eventually, processesWithEnv } from '@cubicle/runner/test-support/runner-harness';
import { TerminalReader } from '@cubicle/runner/test-support/terminal-reader';
import { commandLine } from '../drivers/local/process-control.js';
import { httpRequest } from '../test-support/localhost.js';
import { type OrchestratorHarness, startOrchestratorHarness } from '../test-support/orchestrator-harness.js';

type ErrorReply = { error: { code: string; message: string } };

describe('repl lifecycle with real runner processes', () => {
  let h: OrchestratorHarness;
  before(async () => {
    h = await startOrchestratorHarness();
  });
  after(() => h.close());

  const state = async (id: string) => ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body).state;
  // The runner itself, not the sandbox's wrappers (which carry the same environment).
  const runnersOf = (id: string) =>
    processesWithEnv(`REPL_ID=${id}\0`).filter((pid) => {
      const argv = commandLine(pid);
      return argv?.[0] === process.execPath && argv.includes('serve');
    });
  const runnerReady = async (s: StartReplResponse) => (await httpRequest(`${s.runnerUrl}/readyz`)).status === 200;

  test('10 repls started at once all become ready, each reachable through the gateway', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => h.create('node')));
    const starts = await Promise.all(ids.map((id) => h.start(id)));
    for (const s of starts) assert.equal(s.state, 'running');
    assert.deepEqual(new Set(starts.map((s) => s.runnerUrl)).size, 10);
    for (const s of starts) assert.ok(await runnerReady(s), s.runnerUrl);
    for (const id of ids) assert.equal(await state(id), 'running');
    await Promise.all(ids.map((id) => h.api('POST', `/api/repls/${id}/stop`)));
    for (const id of ids) assert.equal(await state(id), 'stopped');
    assert.deepEqual(h.sandboxProcesses(), []);
  });

  test('a double start is idempotent: one runner, one start in the audit', async () => {
    const id = await h.create('shell');
    const [a, b] = await Promise.all([h.start(id), h.start(id)]);
    assert.equal(a.runnerUrl, b.runnerUrl);
    const c = await h.start(id); // and again once running
    assert.equal(c.runnerUrl, a.runnerUrl);
    assert.notEqual(c.token, '');
    assert.equal(runnersOf(id).length, 1);
    const audit = AuditList.parse((await h.api('GET', `/api/audit?replId=${id}`)).body);
    assert.equal(audit.events.filter((e) => e.action === 'repl.start').length, 1);
    await h.api('POST', `/api/repls/${id}/stop`);
  });

  test('stop during start ends stopped (not stuck), the start answers 409, and a new start works', async () => {
    const id = await h.create('node');
    const starting = h.api<ErrorReply>('POST', `/api/repls/${id}/start`);
    await eventually(async () => (await state(id)) === 'starting', 5000, 'state starting');
    const stopped = await h.api('POST', `/api/repls/${id}/stop`);
    assert.equal(stopped.status, 200);
    assert.equal(ReplRecord.parse(stopped.body).state, 'stopped');
    const start = await starting;
    assert.equal(start.status, 409, JSON.stringify(start.body));
    assert.equal(start.body.error.code, 'ECONFLICT');
    await eventually(() => runnersOf(id).length === 0, 5000, 'no runner left');
    assert.equal(await state(id), 'stopped');
    const again = await h.start(id);
    assert.ok(await runnerReady(again));
    await h.api('POST', `/api/repls/${id}/stop`);
  });

  test('kill -9 of a runner → error with its last log lines; start works again', async () => {
    const id = await h.create('node');
    await h.start(id);
    const [pid] = runnersOf(id).filter((p) => p !== undefined);
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    const rec = await eventually(
      async () => {
        const r = ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body);
        return r.state === 'error' ? r : undefined;
      },
      5000,
      'state error',
    );
    assert.match(rec.error?.reason ?? '', /SIGKILL/);
    assert.ok((rec.error?.logs.length ?? 0) > 0, 'the runner log tail is kept with the error');
    assert.equal(rec.runnerUrl, null);
    const gw = await httpRequest(`http://${id}-ws.localhost:${h.port}/readyz`);
    assert.equal(gw.status, 503);
    const again = await h.start(id);
    assert.ok(await runnerReady(again));
    // The log of the life that was killed is still there, above the new one (appended, not truncated).
    const readyLines = () =>
      fs.readFileSync(path.join(h.dataDir, 'sandboxes', id, 'runner.log'), 'utf8').match(/"msg":"ready"/g)?.length ?? 0;
    await eventually(() => readyLines() >= 2, 5000, 'both starts in runner.log');
    await h.api('POST', `/api/repls/${id}/stop`);
  });

  test('key rotation: a runner started before it takes new tokens at once, old ones until they expire', async () => {
    const id = await h.create('shell');
    const started = await h.start(id);
    const kidOf = (token: string) =>
      JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string; alg: string };
    const before = kidOf(started.token);
    assert.equal(before.alg, 'EdDSA');
    const rotated = await h.api<{ current: string; next: string; retired: string }>('POST', '/api/signing-keys/rotate');
    assert.equal(rotated.status, 200);
    assert.equal(rotated.body.retired, before.kid);
    const fresh = RunnerToken.parse((await h.api('POST', `/api/repls/${id}/token`)).body).token;
    assert.equal(kidOf(fresh).kid, rotated.body.current);
    for (const token of [fresh, started.token]) {
      const socket = await h.connect({ ...started, token });
      assert.ok((await socket.emitWithAck('fetchDir', { path: '' })).ok);
      socket.disconnect();
    }
    // What runners read holds public keys only: current, next and the retired one.
    const published = JSON.parse(fs.readFileSync(path.join(h.dataDir, 'runner-keys', 'jwks.json'), 'utf8')) as {
      keys: Record<string, string>[];
    };
    assert.deepEqual(
      published.keys.map((k) => k.kid).sort(),
      [rotated.body.current, rotated.body.next, rotated.body.retired].sort(),
    );
    assert.ok(published.keys.every((k) => k.d === undefined && k.kty === 'OKP'));
    const audit = AuditList.parse((await h.api('GET', '/api/audit?replId=')).body);
    assert.ok(audit.events.some((e) => e.action === 'keys.rotate' && e.detail.current === rotated.body.current));
    await h.api('POST', `/api/repls/${id}/stop`);
  });

  test('an orchestrator killed with SIGKILL leaves runners running; the next one adopts them', async () => {
    const id = await h.create('node');
    const first = await h.start(id);
    const socket = await h.connect(first);
    const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 80, rows: 24 })) as { id: string };
    const firstReader = new TerminalReader(socket);
    socket.emit('terminal:write', { id: term, data: 'export MARK=before-restart; echo "set-$((1+1))"\r' });
    await firstReader.waitFor(term, 'set-2'); // the write went through the old gateway before it dies
    const pids = runnersOf(id);
    await h.restart('SIGKILL');
    assert.equal(await state(id), 'running');
    assert.deepEqual(runnersOf(id), pids, 'the same runner, not a new one');
    // The proxied socket died with the old gateway; the shell did not: reattach through the new one.
    const again = await h.connect(await h.start(id));
    const reader = new TerminalReader(again);
    await again.emitWithAck('terminal:attach', { id: term });
    again.emit('terminal:write', { id: term, data: 'echo "$MARK-$((40+2))"\r' });
    await reader.waitFor(term, 'before-restart-42');
    again.disconnect();
    const stopped = await h.api('POST', `/api/repls/${id}/stop`);
    assert.equal(ReplRecord.parse(stopped.body).state, 'stopped');
    assert.deepEqual(runnersOf(id), []);
  });

  test('SIGTERM to the orchestrator flushes and stops every repl, then it exits 0', async () => {
    const ids = [await h.create('node'), await h.create('shell')];
    for (const id of ids) await h.start(id);
    assert.ok(h.sandboxProcesses().length >= 2);
    assert.equal(await h.shutdown(), 0);
    assert.deepEqual(h.sandboxProcesses(), []);
    await h.restart('SIGTERM'); // start it again for the harness (nothing to adopt)
    for (const id of ids) assert.equal(await state(id), 'stopped');
  });
});
