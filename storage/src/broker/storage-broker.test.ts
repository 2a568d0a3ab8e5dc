import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ObjectStore } from '../object-store.js';
import { StorageError } from '../storage-error.js';
import { startTestS3, type TestS3 } from '../test-support/test-s3.js';
import { StorageBroker } from './storage-broker.js';

const silent = { warn: () => {} };

/** A repl's runner as the sandbox makes it: the broker's socket, a made-up key, the real bucket name. */
function sandboxStore(s3: TestS3, socketPath: string): ObjectStore {
  return new ObjectStore(
    {
      endpoint: 'http://storage.cubicle.internal',
      region: 'us-east-1',
      bucket: s3.store.bucket,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'not-a-secret' },
      forcePathStyle: true,
      socketPath,
    },
    { maxAttempts: 1 },
  );
}

describe('StorageBroker', () => {
  let s3: TestS3;
  let broker: StorageBroker;
  let dir: string;
  let mine: ObjectStore;

  before(async () => {
    s3 = await startTestS3();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-broker-test-'));
    broker = new StorageBroker(s3.s3.settings(s3.store.bucket), silent);
    await broker.open('aaaaaaaaaaaa', path.join(dir, 'a.sock'), null);
    mine = sandboxStore(s3, path.join(dir, 'a.sock'));
    await s3.store.put('code/bbbbbbbbbbbb/secret.txt', Buffer.from('B only'), 6);
  });

  after(async () => {
    mine.destroy();
    await broker.closeAll();
    await s3.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("a repl's own objects: put, head, get, list, copy, batch delete, large uploads in parts", async () => {
    await mine.put('code/aaaaaaaaaaaa/src/a b ü.txt', Buffer.from('hello'), 5, { mode: '644' });
    assert.equal((await mine.head('code/aaaaaaaaaaaa/src/a b ü.txt'))?.meta.mode, '644');
    assert.deepEqual(await mine.listKeys('code/aaaaaaaaaaaa/'), ['code/aaaaaaaaaaaa/src/a b ü.txt']);
    await mine.copy('code/aaaaaaaaaaaa/src/a b ü.txt', 'runs/aaaaaaaaaaaa/copy.txt');
    const big = Buffer.alloc(12 * 1024 * 1024, 7);
    await mine.put('code/aaaaaaaaaaaa/big.bin', big, big.length);
    assert.equal((await s3.store.head('code/aaaaaaaaaaaa/big.bin'))?.size, big.length);
    await mine.deleteKeys(['code/aaaaaaaaaaaa/src/a b ü.txt', 'runs/aaaaaaaaaaaa/copy.txt']);
    assert.deepEqual(await s3.store.listKeys('runs/aaaaaaaaaaaa/'), []);
    assert.deepEqual(await s3.store.listKeys('code/aaaaaaaaaaaa/'), ['code/aaaaaaaaaaaa/big.bin']);
  });

  test("another repl's objects and the bucket as a whole are refused", async () => {
    const denied = async (what: Promise<unknown>) =>
      assert.rejects(what, (err) => err instanceof StorageError && err.kind === 'denied');
    await denied(mine.get('code/bbbbbbbbbbbb/secret.txt'));
    await denied(mine.put('code/bbbbbbbbbbbb/x', Buffer.from('x'), 1));
    await denied(mine.listKeys('code/'));
    await denied(mine.listKeys(''));
    await denied(mine.listKeys('code/bbbbbbbbbbbb/'));
    await denied(mine.copy('code/bbbbbbbbbbbb/secret.txt', 'code/aaaaaaaaaaaa/stolen.txt'));
    await denied(mine.deleteKeys(['code/aaaaaaaaaaaa/big.bin', 'code/bbbbbbbbbbbb/secret.txt']));
    await assert.rejects(
      mine.put('code/aaaaaaaaaaaa/../bbbbbbbbbbbb/secret.txt', Buffer.from('x'), 1),
      (err) => err instanceof StorageError && err.kind === 'client', // 400: a key no store reads one way only
    );
    await denied(mine.put('code/aaaaaaaaaaaaX/x', Buffer.from('x'), 1));
    assert.equal((await readAll(s3.store, 'code/bbbbbbbbbbbb/secret.txt')).toString(), 'B only');
    assert.ok(await s3.store.head('code/aaaaaaaaaaaa/big.bin'), 'a refused batch deletes nothing');
  });

  test('requests crafted by hand cannot slip past the checks', async () => {
    const raw = (method: string, url: string, headers: Record<string, string> = {}, body?: string) =>
      rawRequest(path.join(dir, 'a.sock'), method, url, headers, body);
    const bucket = s3.store.bucket;
    // A delete body whose foreign key hides from a naive reader is rebuilt from what was read, not forwarded.
    const sneaky = `<Delete><Object><Key >code/bbbbbbbbbbbb/secret.txt</Key ></Object><Object><Key>code/aaaaaaaaaaaa/none</Key></Object></Delete>`;
    const del = await raw('POST', `/${bucket}?delete`, { 'content-type': 'application/xml' }, sneaky);
    assert.equal(del.status, 200);
    assert.ok(await s3.store.head('code/bbbbbbbbbbbb/secret.txt'), "B's object is still there");
    assert.equal((await raw('GET', `/other-bucket/code/aaaaaaaaaaaa/x`)).status, 403);
    assert.equal((await raw('GET', `/${bucket}/code/aaaaaaaaaaaa/x?acl`)).status, 403);
    assert.equal((await raw('PUT', `/${bucket}`)).status, 403);
    assert.equal((await raw('GET', `/${bucket}/code%2Faaaaaaaaaaaa%2F..%2Fbbbbbbbbbbbb%2Fsecret.txt`)).status, 400);
    assert.equal((await raw('GET', `/${bucket}/%zz`)).status, 400);
    const copy = await raw('PUT', `/${bucket}/code/aaaaaaaaaaaa/c`, {
      'x-amz-copy-source': `/${bucket}/code%2Fbbbbbbbbbbbb%2Fsecret.txt`,
    });
    assert.equal(copy.status, 400);
  });
});

async function readAll(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of (await store.get(key)).body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function rawRequest(
  socketPath: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: url, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}
