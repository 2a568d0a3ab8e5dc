import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FileChange } from '@cubicle/protocol';
import {
  emitRaw,
  emitRawWithAck,
  eventually,
  type RunnerClient,
  type RunnerHarness,
  startRunner,
} from '../test-support/runner-harness.js';
import { TerminalReader } from '../test-support/terminal-reader.js';

const MAX = 64 * 1024; // a small limit keeps the oversized cases fast

describe('file events (real runner, real socket)', () => {
  let runner: RunnerHarness;
  let client: RunnerClient;
  let other: RunnerClient;
  const refreshes: FileChange[] = [];
  before(async () => {
    runner = await startRunner({ MAX_FILE_BYTES: String(MAX) });
    client = await runner.connect();
    other = await runner.connect();
    other.on('file:refresh', ({ changes }) => refreshes.push(...changes));
  });
  after(async () => {
    assert.equal(await runner.stop(), 0);
  });

  it('creates, reads, updates, lists, renames and deletes files and folders', async () => {
    const created = await client.emitWithAck('createFile', { path: 'src/hello.txt', content: 'hello\n' });
    assert.ok(created.ok);
    assert.deepEqual(await client.emitWithAck('createDir', { path: 'docs/empty' }), { ok: true });
    const read = await client.emitWithAck('fetchContent', { path: 'src/hello.txt' });
    assert.deepEqual(read, { ok: true, content: 'hello\n', encoding: 'utf8', version: created.version });

    const updated = await client.emitWithAck('updateContent', {
      path: 'src/hello.txt',
      content: 'hello, world\n',
      baseVersion: created.version,
    });
    assert.ok(updated.ok && updated.version !== created.version);
    assert.equal(fs.readFileSync(path.join(runner.workspace, 'src/hello.txt'), 'utf8'), 'hello, world\n');

    const root = await client.emitWithAck('fetchDir', { path: '' });
    assert.ok(root.ok);
    assert.deepEqual(
      root.entries.map((e) => [e.name, e.type]),
      [
        ['docs', 'dir'],
        ['src', 'dir'],
      ],
    );
    const src = await client.emitWithAck('fetchDir', { path: 'src' });
    assert.ok(src.ok);
    assert.deepEqual(
      src.entries.map((e) => [e.path, e.type, e.size]),
      [['src/hello.txt', 'file', 13]],
    );

    assert.deepEqual(await client.emitWithAck('rename', { from: 'src/hello.txt', to: 'lib/greeting.txt' }), {
      ok: true,
    });
    assert.equal(fs.readFileSync(path.join(runner.workspace, 'lib/greeting.txt'), 'utf8'), 'hello, world\n');
    assert.ok(!fs.existsSync(path.join(runner.workspace, 'src/hello.txt')));
    assert.deepEqual(await client.emitWithAck('delete', { path: 'docs' }), { ok: true });
    assert.ok(!fs.existsSync(path.join(runner.workspace, 'docs')), 'directories are deleted recursively');
  });

  it('keeps the executable bit when a script is edited, and returns binary files as base64', async () => {
    fs.writeFileSync(path.join(runner.workspace, 'run.sh'), '#!/bin/sh\necho 1\n', { mode: 0o755 });
    const r = await client.emitWithAck('fetchContent', { path: 'run.sh' });
    assert.ok(r.ok);
    assert.ok((await client.emitWithAck('updateContent', { path: 'run.sh', content: '#!/bin/sh\necho 2\n' })).ok);
    assert.equal(fs.statSync(path.join(runner.workspace, 'run.sh')).mode & 0o777, 0o755);

    const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 0]);
    const w = await client.emitWithAck('updateContent', {
      path: 'blob.bin',
      content: bytes.toString('base64'),
      encoding: 'base64',
    });
    assert.ok(w.ok);
    const b = await client.emitWithAck('fetchContent', { path: 'blob.bin' });
    assert.ok(b.ok);
    assert.equal(b.encoding, 'base64');
    assert.deepEqual(Buffer.from(b.content, 'base64'), bytes);
    assert.equal(b.version, w.version);
  });

  it('answers ECONFLICT with the disk version when the file changed since it was read', async () => {
    const v1 = await client.emitWithAck('createFile', { path: 'conflict.txt', content: 'one' });
    assert.ok(v1.ok);
    fs.writeFileSync(path.join(runner.workspace, 'conflict.txt'), 'changed in the shell');
    const r = await client.emitWithAck('updateContent', {
      path: 'conflict.txt',
      content: 'mine',
      baseVersion: v1.version,
    });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.error.code === 'ECONFLICT' && typeof r.error.version === 'string');
    assert.equal(fs.readFileSync(path.join(runner.workspace, 'conflict.txt'), 'utf8'), 'changed in the shell');
    const fresh = await client.emitWithAck('fetchContent', { path: 'conflict.txt' });
    assert.ok(fresh.ok && !r.ok && fresh.version === r.error.version);
  });

  it('pushes file:content when fetchContent comes without an ack', async () => {
    const got = new Promise((resolve) => client.once('file:content', resolve));
    fs.writeFileSync(path.join(runner.workspace, 'push.txt'), 'pushed');
    // The typed client always passes an ack for fetchContent; the original protocol did not.
    emitRaw(client, 'fetchContent', { path: 'push.txt' });
    const push = await got;
    assert.deepEqual(Object.keys(push as object).sort(), ['content', 'encoding', 'path', 'version']);
    assert.equal((push as { content: string }).content, 'pushed');
  });

  it('answers each bad input with its code and touches nothing', async () => {
    const before = fs.readdirSync(runner.workspace).sort();
    const code = async (event: string, payload: unknown) => {
      const r = await emitRawWithAck(client, event, payload);
      return r.ok ? 'ok' : r.error?.code;
    };
    assert.equal(await code('fetchContent', { path: '../../etc/passwd' }), 'EACCES');
    assert.equal(await code('updateContent', { path: '/etc/evil', content: 'x' }), 'EACCES');
    assert.equal(await code('createFile', { path: 'a\0b', content: 'x' }), 'EACCES');
    assert.equal(await code('delete', { path: '' }), 'EACCES');
    assert.equal(await code('rename', { from: 'lib', to: '../lib' }), 'EACCES');
    fs.symlinkSync('/etc', path.join(runner.workspace, 'etc-link'));
    assert.equal(await code('fetchDir', { path: 'etc-link' }), 'EACCES');
    assert.equal(await code('updateContent', { path: 'etc-link/hostname', content: 'x' }), 'EACCES');
    fs.unlinkSync(path.join(runner.workspace, 'etc-link'));

    assert.equal(await code('fetchContent', { path: 'missing.txt' }), 'ENOENT');
    assert.equal(await code('rename', { from: 'missing', to: 'x' }), 'ENOENT');
    assert.equal(await code('delete', { path: 'missing' }), 'ENOENT');
    assert.equal(await code('updateContent', { path: 'missing.txt', content: 'x', baseVersion: 'abc' }), 'ENOENT');
    assert.equal(await code('createFile', { path: 'run.sh' }), 'EEXIST');
    assert.equal(await code('createDir', { path: 'lib' }), 'EEXIST');
    assert.equal(await code('rename', { from: 'run.sh', to: 'blob.bin' }), 'EEXIST');
    assert.equal(await code('rename', { from: 'lib', to: 'lib/inner' }), 'EINVAL');
    assert.equal(await code('fetchContent', { path: 'lib' }), 'EINVAL');

    assert.equal(await code('fetchDir', { path: 42 }), 'EINVAL');
    assert.equal(await code('fetchDir', {}), 'EINVAL');
    assert.equal(await code('fetchDir', null), 'EINVAL');
    assert.equal(await code('fetchDir', 'lib'), 'EINVAL');
    assert.equal(await code('updateContent', { path: 'x.txt' }), 'EINVAL');
    assert.equal(await code('updateContent', { path: 'x.txt', content: 'x', encoding: 'latin1' }), 'EINVAL');
    assert.equal(await code('updateContent', { path: 'x.txt', content: '%%%', encoding: 'base64' }), 'EINVAL');
    assert.equal(await code('rename', { from: 'lib' }), 'EINVAL');
    assert.equal(await code('fetchDir', { path: 'x'.repeat(5000) }), 'E2BIG');
    assert.equal(await code('updateContent', { path: 'big.txt', content: 'x'.repeat(MAX + 1) }), 'E2BIG');
    const bigB64 = Buffer.alloc(MAX + 3).toString('base64');
    assert.equal(await code('updateContent', { path: 'big.bin', content: bigB64, encoding: 'base64' }), 'E2BIG');
    fs.writeFileSync(path.join(runner.workspace, 'huge.log'), Buffer.alloc(MAX + 1, 97));
    assert.equal(await code('fetchContent', { path: 'huge.log' }), 'E2BIG');
    fs.unlinkSync(path.join(runner.workspace, 'huge.log'));
    assert.equal(await code('no-such-event', { path: '' }), 'EINVAL');

    assert.deepEqual(fs.readdirSync(runner.workspace).sort(), before, 'no bad input wrote anything');
    const ok = await other.emitWithAck('fetchDir', { path: '' });
    assert.ok(ok.ok, 'the runner keeps serving other clients');
  });

  it('reports errors of events without an ack as runner:error', async () => {
    const got = new Promise<{ event: string; error: { code: string } }>((resolve) =>
      client.once('runner:error', resolve),
    );
    client.emit('terminal:write', { id: 'no-such-terminal', data: 'x' });
    const push = await got;
    assert.equal(push.event, 'terminal:write');
    assert.equal(push.error.code, 'ENOENT');
  });

  it('closes a connection whose frame exceeds the transport limit and keeps serving others', async () => {
    const victim = await runner.connect();
    const closed = new Promise<string>((resolve) => victim.once('disconnect', (reason) => resolve(reason)));
    emitRaw(victim, 'updateContent', { path: 'flood.txt', content: 'x'.repeat(MAX * 2 + 100 * 1024) });
    assert.equal(await closed, 'transport close');
    assert.ok(!fs.existsSync(path.join(runner.workspace, 'flood.txt')));
    assert.ok((await other.emitWithAck('fetchDir', { path: '' })).ok);
  });

  it('reports shell-made changes to every client as batched file:refresh within 300 ms', async () => {
    const term = new TerminalReader(client);
    const { id } = (await client.emitWithAck('terminal:create', { cols: 80, rows: 24 })) as { id: string };
    await term.waitFor(id, /\$ $/);
    fs.mkdirSync(path.join(runner.workspace, 'gone'));
    await eventually(() => refreshes.some((c) => c.path === 'gone' && c.type === 'addDir'), 2000, 'gone/ seen');
    refreshes.length = 0;
    const t0 = Date.now();
    client.emit('terminal:write', { id, data: 'touch a-file; mkdir b-dir; rmdir gone\r' });
    const want = [
      { type: 'add', path: 'a-file' },
      { type: 'addDir', path: 'b-dir' },
      { type: 'unlinkDir', path: 'gone' },
    ];
    await eventually(
      () => want.every((w) => refreshes.some((c) => c.type === w.type && c.path === w.path)),
      2000,
      'refresh',
    );
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 300, `changes arrived after ${elapsed} ms`);
    client.emit('terminal:close', { id });
  });
});
