import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { httpRequest } from '@cubicle/orchestrator/test-support/localhost';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { ReplRecord } from '@cubicle/protocol';
import { TerminalReader } from '@cubicle/runner/test-support/terminal-reader';

let h: OrchestratorHarness;
before(async () => {
  h = await startOrchestratorHarness();
});
after(() => h.close());

test('create → start → shell and files over the gateway → stop → S3 → start → preview → delete', async () => {
  const id = await h.create('node');

  // Start, then talk to the runner through the gateway host with the issued token.
  const first = await h.start(id);
  assert.equal(first.runnerUrl, `http://${id}-ws.localhost:${h.port}`);
  const socket = await h.connect(first);
  const reader = new TerminalReader(socket);
  const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 100, rows: 30 })) as { id: string };
  socket.emit('terminal:write', { id: term, data: 'echo "sum=$((6*7))"\r' });
  await reader.waitFor(term, 'sum=42');
  const saved = await socket.emitWithAck('updateContent', { path: 'notes/today.md', content: 'written in Cubicle\n' });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  socket.disconnect();

  // Stop: the runner is flushed first, so the file is in object storage when stop answers.
  const stopped = await h.api('POST', `/api/repls/${id}/stop`);
  assert.equal(ReplRecord.parse(stopped.body).state, 'stopped');
  assert.equal((await h.objects(id)).get('notes/today.md'), 'written in Cubicle\n');
  const workspace = path.join(h.dataDir, 'sandboxes', id, 'workspace');
  assert.equal(fs.existsSync(workspace), false, 'a stopped repl keeps nothing on this machine');

  // Start again: the file comes back from S3 into a fresh workspace.
  const second = await h.start(id);
  assert.equal(fs.readFileSync(path.join(workspace, 'notes', 'today.md'), 'utf8'), 'written in Cubicle\n');
  const again = await h.connect(second);
  const read = (await again.emitWithAck('fetchContent', { path: 'notes/today.md' })) as {
    ok: boolean;
    content: string;
  };
  assert.equal(read.content, 'written in Cubicle\n');

  // The preview host serves the template's app once it runs (started from the shell, on $PORT).
  const reader2 = new TerminalReader(again);
  const { id: term2 } = (await again.emitWithAck('terminal:create', { cols: 100, rows: 30 })) as { id: string };
  again.emit('terminal:write', { id: term2, data: 'npm start\r' });
  await reader2.waitFor(term2, /listening on port \d+/, 10_000);
  const page = await httpRequest(`${second.previewUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.text, /Hello from Node\.js/);
  again.disconnect();

  // Delete: stopped, objects gone, record gone, nothing left running.
  const deleted = await h.api('DELETE', `/api/repls/${id}`);
  assert.equal(deleted.status, 204);
  assert.equal((await h.objects(id)).size, 0);
  assert.equal((await h.api('GET', `/api/repls/${id}`)).status, 404);
  assert.equal((await httpRequest(`${second.previewUrl}/`)).status, 404);
  assert.deepEqual(h.sandboxProcesses(), []);
});
