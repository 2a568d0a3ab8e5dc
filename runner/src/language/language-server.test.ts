import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { LanguageStatusPush } from '@cubicle/protocol';
import { createLogger } from '../log.js';
import { eventually, processAlive } from '../test-support/runner-harness.js';
import { LanguageServer } from './language-server.js';

// A server process that never answers: what a stuck or endlessly slow language server looks like.
const SILENT_SERVER = 'process.stdin.resume(); setInterval(() => {}, 60_000);';

describe('LanguageServer', () => {
  const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-lsp-'));
  after(() => fs.rmSync(workspaceDir, { recursive: true, force: true }));

  it('a server that never answers initialize is stopped after the start budget, and its clients hear why', async () => {
    const statuses: LanguageStatusPush[] = [];
    const server = new LanguageServer({
      spec: { id: 'typescript', command: [process.execPath, '-e', SILENT_SERVER], settings: {} },
      workspaceDir,
      env: () => process.env,
      log: createLogger('silent'),
      onStatus: (s) => statuses.push(s),
      onNotification: () => {},
      startTimeoutMs: 1000,
    });
    try {
      const started = server.initialize({ capabilities: {} });
      const pid = server.pid;
      assert.ok(pid && processAlive(pid), 'the server process runs');
      await assert.rejects(started, /the typescript language server did not start in 1 s/);
      await eventually(() => !processAlive(pid), 10_000, 'the stuck process to be killed');
      const crashed = await eventually(() => statuses.find((s) => s.state === 'crashed'), 10_000, 'crashed status');
      assert.match(crashed.message ?? '', /restarts in/);
      assert.match(crashed.stderr.join('\n'), /no answer to initialize in 1 s/);
    } finally {
      await server.stop();
    }
  });
});
