import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { ObjectStore } from '../object-store.js';
import { StorageError } from '../storage-error.js';
import { startTestS3, type TestS3 } from '../test-support/test-s3.js';
import { EmbeddedS3, type EmbeddedS3Event } from './embedded-s3.js';

let server: TestS3;
let s3: EmbeddedS3;
let store: ObjectStore;
before(async () => {
  server = await startTestS3({ maxAttempts: 1 });
  ({ s3, store } = server);
});
after(() => server.close());

function anonymous(method: string, route: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${s3.endpoint}${route}`, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

test('anonymous requests are refused: no write, no read, no listing', async () => {
  await store.put('code/bbbbbbbbbbbb/secret.txt', Buffer.from('B'), 1);
  assert.equal(await anonymous('PUT', '/cubicle-test/code/bbbbbbbbbbbb/x', 'x'), 403);
  assert.equal(await anonymous('GET', '/cubicle-test/code/bbbbbbbbbbbb/secret.txt'), 403);
  assert.equal(await anonymous('GET', '/cubicle-test?list-type=2'), 403);
  assert.equal(await anonymous('DELETE', '/cubicle-test/code/bbbbbbbbbbbb/secret.txt'), 403);
  assert.equal(await store.head('code/bbbbbbbbbbbb/x'), null);
  assert.ok(await store.head('code/bbbbbbbbbbbb/secret.txt'));
});

test("a request signed with any secret but the store's own is refused (s3rver alone accepted it)", async () => {
  const forger = new ObjectStore(
    { ...s3.settings(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'guessed-secret' } },
    { maxAttempts: 1 },
  );
  try {
    await assert.rejects(forger.listKeys('code/'), (err) => err instanceof StorageError && err.kind === 'denied');
    await assert.rejects(forger.put('code/aaaaaaaaaaaa/forged', Buffer.from('x'), 1), StorageError);
    assert.equal(await store.head('code/aaaaaaaaaaaa/forged'), null);
  } finally {
    forger.destroy();
  }
});

test('a key the store cannot keep is a clear client error, and the server stays up', async () => {
  for (const name of ['a'.repeat(241), 'é'.repeat(200), `${'d'.repeat(300)}/f`]) {
    await assert.rejects(
      store.put(`code/aaaaaaaaaaaa/${name}`, Buffer.from('x'), 1),
      (err) => err instanceof StorageError && err.kind === 'client' && /too long|KeyTooLong/i.test(err.message),
    );
  }
  await assert.rejects(store.put('code/aaaaaaaaaaaa/../bbbbbbbbbbbb/x', Buffer.from('x'), 1), StorageError);
  assert.ok(s3.running);
  await store.put(`code/aaaaaaaaaaaa/${'a'.repeat(233)}`, Buffer.from('fits'), 4);
  assert.equal((await store.listKeys('code/aaaaaaaaaaaa/')).length, 1);
});

test('a supervised server that dies is reported and restarted on the same port with its data', async () => {
  const supervisedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-embedded-s3-supervised-'));
  const events: EmbeddedS3Event[] = [];
  let restarted: () => void = () => {};
  const supervised = await EmbeddedS3.start({
    directory: supervisedDir,
    buckets: ['cubicle-test'],
    supervise: (e) => {
      events.push(e);
      if (e.type === 'restarted') restarted();
    },
  });
  const client = new ObjectStore(supervised.settings(), { maxAttempts: 1 });
  try {
    await client.put('code/aaaaaaaaaaaa/kept.txt', Buffer.from('kept'), 4);
    const endpoint = supervised.endpoint;
    const back = new Promise<void>((resolve) => {
      restarted = resolve;
    });
    process.kill(supervised.pid as number, 'SIGKILL');
    await back;
    assert.equal(events[0]?.type, 'crashed');
    assert.equal(events[0]?.type === 'crashed' && events[0].signal, 'SIGKILL');
    assert.ok(supervised.running);
    assert.equal(supervised.endpoint, endpoint);
    assert.equal(await text((await client.get('code/aaaaaaaaaaaa/kept.txt')).body), 'kept');

    await supervised.stop(); // a stop on purpose is not a crash
    assert.equal(events.filter((e) => e.type === 'crashed').length, 1);
    assert.equal(supervised.running, false);
  } finally {
    client.destroy();
    await supervised.stop();
    fs.rmSync(supervisedDir, { recursive: true, force: true });
  }
});
