import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuditList, ReplRecord } from '@cubicle/protocol';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { httpRequest } from '../test-support/localhost.js';
import { type OrchestratorHarness, startOrchestratorHarness } from '../test-support/orchestrator-harness.js';

let h: OrchestratorHarness;
before(async () => {
  h = await startOrchestratorHarness({ IDLE_TIMEOUT: '3s' });
});
after(() => h.close());

test('the idle reaper stops an idle repl and keeps ones with terminal input or preview traffic', async () => {
  const [idle, typing, browsing] = [await h.create('shell'), await h.create('shell'), await h.create('shell')];
  await Promise.all([idle, typing, browsing].map((id) => h.start(id)));
  const socket = await h.connect(await h.start(typing));
  const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 80, rows: 24 })) as { id: string };
  // An open connection alone is not activity: the idle repl has one too.
  const watcher = await h.connect(await h.start(idle));
  const busy = setInterval(() => {
    socket.emit('terminal:write', { id: term, data: 'true\r' });
    void httpRequest(`http://${browsing}.localhost:${h.port}/`).catch(() => {});
  }, 400);
  try {
    const state = async (id: string) => ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body).state;
    await eventually(async () => (await state(idle)) === 'stopped', 15_000, 'the idle repl to be stopped');
    await new Promise((r) => setTimeout(r, 3500)); // a full timeout later, the busy ones still run
    const why = async (id: string) => JSON.stringify((await h.api('GET', `/api/audit?replId=${id}`)).body);
    assert.equal(await state(typing), 'running', await why(typing));
    assert.equal(await state(browsing), 'running', await why(browsing));
    const audit = AuditList.parse((await h.api('GET', `/api/audit?replId=${idle}`)).body);
    const stop = audit.events.find((e) => e.action === 'repl.stop');
    assert.equal(stop?.actor, 'idle-reaper');
    assert.equal(stop?.detail.saved, true);
  } finally {
    clearInterval(busy);
    socket.disconnect();
    watcher.disconnect();
  }
});
