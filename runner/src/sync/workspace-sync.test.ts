import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FlushResponse, SyncStatusPush } from '@cubicle/protocol';
import { readBody } from '../sync/object-transfer.js';
import { runCli } from '../test-support/runner-cli.js';
import {
  eventually,
  makeRunnerRoot,
  type RunnerClient,
  type RunnerHarness,
  sleep,
  startRunner,
  syncStatuses,
} from '../test-support/runner-harness.js';
import { type S3Harness, startS3 } from '../test-support/s3-harness.js';
import { TerminalReader } from '../test-support/terminal-reader.js';
import { makeSigningKey, writeKeySet } from '../test-support/test-keys.js';

/** Objects as name → text, sorted by name so comparisons do not depend on listing order. */
const text = (m: Map<string, Buffer>) =>
  Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.toString()]));

/** Collects a client's sync:status pushes. */
function watchStatus(client: RunnerClient): SyncStatusPush[] {
  return syncStatuses(client); // from the connect on: the push sent at the handshake included
}

/** A runner on the suite's store, with one connected client and the statuses pushed to it. */
async function watchedRunner(s3: S3Harness) {
  const runner = await startRunner(s3.env());
  const client = await runner.connect();
  return { runner, client, status: watchStatus(client) };
}

/** POST /flush with a good token: answers once every change is in S3. */
async function postFlush(runner: RunnerHarness): Promise<Response> {
  return fetch(`${runner.url}/flush`, { method: 'POST', headers: { authorization: `Bearer ${await runner.token()}` } });
}

describe('workspace sync (real runner, real S3 server on loopback)', () => {
  let s3: S3Harness;
  before(async () => {
    s3 = await startS3();
  });
  after(async () => {
    await s3.close();
  });

  describe('one running repl', () => {
    let runner: RunnerHarness;
    let client: RunnerClient;
    let status: SyncStatusPush[];
    before(async () => {
      ({ runner, client, status } = await watchedRunner(s3));
    });
    after(async () => {
      assert.equal(await runner.stop(), 0);
    });

    it('puts an edit from updateContent in S3 within 2 s, and reports synced', async () => {
      const started = Date.now();
      const r = await client.emitWithAck('updateContent', { path: 'src/index.js', content: 'console.log(1)\n' });
      assert.ok(r.ok);
      await eventually(
        async () => (await s3.objects(runner.replId)).get('src/index.js')?.toString() === 'console.log(1)\n',
        2000,
        'the object',
      );
      const ms = Date.now() - started;
      assert.ok(ms < 2000, `visible after ${ms} ms`);
      const last = await eventually(() => status.at(-1)?.state === 'synced' && status.at(-1), 2000, 'synced status');
      assert.equal(last.pending, 0);
      assert.ok(last.lastSyncedAt !== null && last.lastSyncedAt >= started);
    });

    it('POST /flush needs the token and answers only once the change is in S3', async () => {
      const flush = (token?: string, query = '') =>
        fetch(`${runner.url}/flush${query}`, {
          method: 'POST',
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      assert.equal((await flush()).status, 401);
      assert.equal((await flush(await runner.token({ replId: 'other' }))).status, 401);
      assert.equal((await flush(await runner.token(), '?timeout=-1')).status, 400);
      fs.writeFileSync(path.join(runner.workspace, 'flushed.txt'), 'from the shell, just now');
      const res = await flush(await runner.token());
      assert.equal(res.status, 200);
      assert.deepEqual(
        { ...((await res.json()) as FlushResponse), lastSyncedAt: 0 },
        { state: 'synced', pending: 0, lastSyncedAt: 0, notSynced: [], notSyncedCount: 0 },
      );
      const head = await s3.store.head(`code/${runner.replId}/flushed.txt`);
      assert.equal(
        head?.size,
        'from the shell, just now'.length,
        'in S3 when /flush answered, well inside the debounce',
      );
    });

    it('follows the shell: new files, renames, recursive deletes, and ignored paths stay local', async () => {
      const reader = new TerminalReader(client);
      const t = await client.emitWithAck('terminal:create', { cols: 120, rows: 30 });
      assert.ok(t.ok);
      const sh = (cmd: string) => client.emit('terminal:write', { id: t.id, data: `${cmd}\r` });
      sh(`printf '{"ignore":["*.log","secret/"]}' > cubicle.json`);
      await sleep(300);
      sh('mkdir -p dir/sub node_modules/pkg .cache secret && echo 1 > dir/a && echo 2 > dir/sub/b');
      sh('echo mod > node_modules/pkg/index.js; echo c > .cache/c; echo l > app.log; echo s > secret/key');
      sh('echo x > f; echo DONE-1');
      await reader.waitFor(t.id, 'DONE-1');
      await eventually(async () => (await s3.objects(runner.replId)).has('dir/sub/b'), 3000, 'dir/sub/b uploaded');
      sh('mv f g; rm -r dir; echo DONE-2');
      await reader.waitFor(t.id, 'DONE-2');
      const want = {
        'cubicle.json': '{"ignore":["*.log","secret/"]}',
        'flushed.txt': 'from the shell, just now',
        g: 'x\n',
        'src/': '',
        'src/index.js': 'console.log(1)\n',
      };
      const same = async () => JSON.stringify(text(await s3.objects(runner.replId))) === JSON.stringify(want);
      await eventually(same, 4000, 'exact objects').catch(() => {}); // the assertion below shows any difference
      assert.deepEqual(text(await s3.objects(runner.replId)), want);
      await sleep(700); // longer than the debounce: nothing ignored sneaks in late
      assert.deepEqual(text(await s3.objects(runner.replId)), want);
    });

    it('round-trips a 50 MB file (multipart) byte for byte', async () => {
      const big = randomBytes(50 * 1024 * 1024);
      fs.writeFileSync(path.join(runner.workspace, 'big.bin'), big);
      const sum = createHash('md5').update(big).digest('hex');
      const key = `code/${runner.replId}/big.bin`;
      // The watcher may report the file while it is still being written: wait for sync to settle.
      const flushed = await postFlush(runner);
      assert.equal(flushed.status, 200);
      assert.equal((await s3.store.head(key))?.size, big.length);
      const back = await readBody((await s3.store.get(key)).body);
      assert.equal(createHash('md5').update(back).digest('hex'), sum);
      // …and back down through `runner pull` into a fresh workspace.
      const root = makeRunnerRoot();
      try {
        const pulled = await runCli(['pull'], {
          ...s3.env(),
          REPL_ID: runner.replId,
          WORKSPACE_DIR: path.join(root, 'workspace'),
          STATE_DIR: path.join(root, 'state'),
        });
        assert.equal(pulled.code, 0, pulled.stderr);
        const local = fs.readFileSync(path.join(root, 'workspace/big.bin'));
        assert.equal(createHash('md5').update(local).digest('hex'), sum);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  });

  describe('names the store cannot keep', () => {
    let runner: RunnerHarness;
    let status: SyncStatusPush[];
    before(async () => {
      ({ runner, status } = await watchedRunner(s3));
    });
    after(async () => {
      assert.equal(await runner.stop(), 0);
    });
    const flush = async () => (await (await postFlush(runner)).json()) as FlushResponse;

    it('reports a file it cannot store as not synced, by name and why, and keeps syncing the rest', async () => {
      const long = 'n'.repeat(240); // a fine file name; too long for the embedded store's file system
      fs.writeFileSync(path.join(runner.workspace, long), 'kept on disk');
      fs.writeFileSync(path.join(runner.workspace, 'ordinary.txt'), 'fine');
      const flushed = await flush();
      assert.equal(flushed.state, 'synced', 'one refused name does not make storage look offline');
      assert.deepEqual(
        flushed.notSynced.map((n) => n.path),
        [long],
      );
      assert.match(flushed.notSynced[0]?.reason ?? '', /too long/i);
      assert.equal(flushed.notSyncedCount, 1);
      await eventually(() => status.at(-1)?.notSynced.length === 1, 2000, 'pushed to the IDE');
      assert.equal((await s3.objects(runner.replId)).get('ordinary.txt')?.toString(), 'fine');

      // Renamed to a name that fits: it syncs and the warning goes.
      fs.renameSync(path.join(runner.workspace, long), path.join(runner.workspace, 'short.txt'));
      const after = await flush();
      assert.deepEqual(after.notSynced, []);
      assert.equal((await s3.objects(runner.replId)).get('short.txt')?.toString(), 'kept on disk');
      await eventually(() => status.at(-1)?.notSynced.length === 0, 2000, 'cleared in the IDE');
    });

    it('syncs files whose names merely start like its own temp files', async () => {
      fs.writeFileSync(path.join(runner.workspace, '.cubicle-tmp-notes'), 'mine');
      await flush();
      assert.equal((await s3.objects(runner.replId)).get('.cubicle-tmp-notes')?.toString(), 'mine');
    });
  });

  it('SIGTERM during a burst of 200 writes: every acknowledged write is in S3 after exit', async () => {
    const runner = await startRunner(s3.env());
    const client = await runner.connect();
    const acked = new Map<string, string>();
    // Writes whose answer never came (the socket closed as the runner stopped): each may or may not
    // have been applied, so storage may hold one of them instead of the last acknowledged version.
    const unanswered = new Map<string, Set<string>>();
    let refused = 0;
    let ackedWrites = 0;
    // Four lanes, each sending its next write when the previous one is answered, like editors saving.
    const lane = async (l: number) => {
      for (let i = l; i < 200; i += 4) {
        const p = `burst/f${i % 50}.txt`;
        const content = `file ${i % 50} version ${Math.floor(i / 50)}\n`;
        const r = await client.emitWithAck('updateContent', { path: p, content }).catch(() => null);
        if (!r) {
          unanswered.set(p, (unanswered.get(p) ?? new Set()).add(content));
          return;
        }
        if (r.ok) {
          acked.set(p, content); // a file's writes are answered in order: the last ack wins
          if (++ackedWrites === 100) runner.process.kill('SIGTERM'); // mid-burst
        } else {
          assert.equal(r.error.code, 'EUNAVAILABLE');
          refused++;
        }
      }
    };
    const writes = [0, 1, 2, 3].map(lane);
    await Promise.allSettled(writes);
    const code = await runner.stop();
    assert.equal(code, 0, `exit 0 after a complete flush; logs:\n${runner.logs.slice(-15).join('\n')}`);
    assert.ok(acked.size > 0);
    const objects = text(await s3.objects(runner.replId));
    for (const [p, content] of acked) {
      const stored = objects[p] ?? '(missing)';
      const allowed = stored === content || unanswered.get(p)?.has(stored);
      assert.ok(allowed, `${p}: storage has ${JSON.stringify(stored)}, last acknowledged ${JSON.stringify(content)}`);
    }
    // What is stored is always the text of a write the client sent (never a torn or stale mix).
    for (const p of Object.keys(objects).filter((k) => k.startsWith('burst/') && !k.endsWith('/'))) {
      assert.ok(acked.get(p) === objects[p] || unanswered.get(p)?.has(objects[p] ?? ''), `${p} holds a sent version`);
    }
    assert.ok(runner.logs.some((l) => l.includes('"clean":true')));
    assert.ok(ackedWrites >= 100 && refused > 0, `${ackedWrites} acked, ${refused} refused: SIGTERM landed mid-burst`);
  });

  it('S3 down for 10 s: edits keep working, status goes offline, then everything arrives and status is synced', async () => {
    const runner = await startRunner(s3.env());
    const client = await runner.connect();
    const status = watchStatus(client);
    try {
      assert.ok((await client.emitWithAck('updateContent', { path: 'before.txt', content: 'b' })).ok);
      await eventually(() => status.at(-1)?.state === 'synced', 3000, 'synced before the outage');
      await s3.s3.stop();
      const outageStarted = Date.now();
      const expected: Record<string, string> = { 'before.txt': 'b' };
      for (let i = 0; i < 10; i++) {
        const r = await client.emitWithAck('updateContent', { path: `during/${i}.txt`, content: `edit ${i}` });
        assert.ok(r.ok, 'edits are accepted locally while S3 is down');
        expected[`during/${i}.txt`] = `edit ${i}`;
      }
      assert.equal(fs.readFileSync(path.join(runner.workspace, 'during/9.txt'), 'utf8'), 'edit 9');
      await eventually(() => status.some((s) => s.state === 'offline' && s.pending > 0), 5000, 'offline status');
      await sleep(Math.max(0, 10_000 - (Date.now() - outageStarted)));
      await s3.s3.restart();
      const backAt = Date.now();
      await eventually(() => status.at(-1)?.state === 'synced', 15_000, 'synced after the outage');
      console.log(`  synced ${Date.now() - backAt} ms after S3 came back`);
      const objects = text(await s3.objects(runner.replId));
      for (const [p, content] of Object.entries(expected)) assert.equal(objects[p], content, p);
    } finally {
      if (!s3.s3.running) await s3.s3.restart();
      assert.equal(await runner.stop(), 0);
    }
  });

  it('SIGKILL, then restart: the journal finishes every acknowledged upload before clients are let in', async () => {
    const root = makeRunnerRoot();
    try {
      const first = await startRunner(s3.env(), { root });
      const client = await first.connect();
      const acked: Record<string, string> = {};
      for (let i = 0; i < 30; i++) {
        const r = await client.emitWithAck('updateContent', { path: `k/${i}.txt`, content: `kill ${i}` });
        if (r.ok) acked[`k/${i}.txt`] = `kill ${i}`;
      }
      fs.writeFileSync(path.join(first.workspace, 'k/from-shell.txt'), 'shell'); // the watcher may never see it
      first.process.kill('SIGKILL'); // well inside the 500 ms debounce: most of these are not in S3 yet
      await first.stop('SIGKILL');
      const before = text(await s3.objects(first.replId));
      assert.ok(Object.keys(before).length < 30, 'the kill really interrupted the sync');

      const second = await startRunner(s3.env(), { root, replId: first.replId, key: first.key });
      try {
        const client2 = await second.connect();
        const status = watchStatus(client2);
        await eventually(() => status.at(-1)?.state === 'synced', 60_000, 'synced status on connect'); // a loaded machine's uploads are slow (and may back off)
        const objects = text(await s3.objects(first.replId));
        for (const [p, content] of Object.entries(acked)) assert.equal(objects[p], content, p);
        assert.equal(objects['k/from-shell.txt'], 'shell', 'the reconcile found the change the watcher missed');
      } finally {
        assert.equal(await second.stop(), 0);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('changed on both sides while stopped: the local file keeps its name, the remote one is kept as a conflict copy', async () => {
    const root = makeRunnerRoot();
    try {
      const first = await startRunner(s3.env(), { root });
      const client = await first.connect();
      assert.ok((await client.emitWithAck('updateContent', { path: 'notes.md', content: 'base\n' })).ok);
      assert.ok((await client.emitWithAck('updateContent', { path: 'remote-only.md', content: 'base\n' })).ok);
      assert.equal(await first.stop(), 0);
      fs.writeFileSync(path.join(root, 'workspace/notes.md'), 'local edit\n');
      await s3.seed(first.replId, { 'notes.md': 'remote edit\n', 'remote-only.md': 'remote edit\n' });

      const second = await startRunner(s3.env(), { root, replId: first.replId, key: first.key });
      try {
        const objects = text(await s3.objects(first.replId));
        assert.equal(objects['notes.md'], 'local edit\n');
        assert.equal(objects['remote-only.md'], 'remote edit\n', 'an unchanged local file takes the newer remote');
        const copies = Object.keys(objects).filter((n) => n.startsWith('notes (remote conflict '));
        assert.equal(copies.length, 1, JSON.stringify(Object.keys(objects)));
        const copy = copies[0] ?? '';
        assert.match(copy, /\.md$/);
        assert.equal(objects[copy], 'remote edit\n');
        assert.equal(fs.readFileSync(path.join(second.workspace, copy), 'utf8'), 'remote edit\n');
        assert.equal(fs.readFileSync(path.join(second.workspace, 'remote-only.md'), 'utf8'), 'remote edit\n');
      } finally {
        assert.equal(await second.stop(), 0);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('SIGTERM with S3 down exits 1 after SHUTDOWN_TIMEOUT and names what is pending', async () => {
    const runner = await startRunner({ ...s3.env(), SHUTDOWN_TIMEOUT: '1' });
    try {
      const client = await runner.connect();
      await s3.s3.stop();
      assert.ok((await client.emitWithAck('updateContent', { path: 'stuck.txt', content: 'not yet in S3' })).ok);
      const started = Date.now();
      assert.equal(await runner.stop(), 1);
      assert.ok(Date.now() - started < 8000);
      assert.ok(runner.logs.some((l) => l.includes('shutdown timed out') && l.includes('stuck.txt')));
    } finally {
      await s3.s3.restart();
    }
  });

  it('serve with a missing bucket or refused keys exits with one clear line', async () => {
    for (const [extra, message] of [
      [{ S3_BUCKET: 'no-such-bucket' }, /bucket no-such-bucket does not exist/],
      [{ AWS_ACCESS_KEY_ID: 'WRONG' }, /refused the credentials/],
    ] as const) {
      const root = makeRunnerRoot();
      const keysFile = path.join(root, 'keys.json');
      writeKeySet(keysFile, [await makeSigningKey()]);
      try {
        const r = await runCli(['serve'], {
          ...s3.env(),
          ...extra,
          REPL_ID: 'badconfig',
          RUNNER_KEYS_FILE: keysFile,
          WORKSPACE_DIR: path.join(root, 'workspace'),
          STATE_DIR: path.join(root, 'state'),
          HOST: '127.0.0.1',
          PORT: '0',
        });
        assert.equal(r.code, 1);
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0] ?? '', message);
      } finally {
        fs.rmSync(root, { recursive: true, force: true });
      }
    }
  });
});
