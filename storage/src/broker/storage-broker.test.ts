import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CompleteMultipartUploadCommand } from '@aws-sdk/client-s3';
import { ObjectStore } from '../object-store.js';
import { createS3Client } from '../s3-client.js';
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

  test('requests that used to end the embedded store are refused, and it stays up', async () => {
    const raw = (method: string, url: string, headers: Record<string, string> = {}, body?: string) =>
      rawRequest(path.join(dir, 'a.sock'), method, url, headers, body);
    const bucket = s3.store.bucket;
    const key = `/${bucket}/code/aaaaaaaaaaaa/mp.bin`;
    const created = await raw('POST', `${key}?uploads`);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)?.[1] ?? '';
    const part = await raw('PUT', `${key}?uploadId=${uploadId}&partNumber=1`, {}, 'part one');
    assert.equal(part.status, 200);
    const complete = (parts: [number, string][]) =>
      raw(
        'POST',
        `${key}?uploadId=${uploadId}`,
        {},
        `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
      );
    assert.equal((await complete([[2, '"00"']])).status, 400, 'a part never uploaded');
    assert.equal((await complete([[1, '"00"']])).status, 400, 'a part with another ETag');
    assert.equal(
      (
        await complete([
          [1, 'x'],
          [1, 'x'],
        ])
      ).status,
      400,
      'a part twice',
    );
    // A key that spells one of s3rver's own file names, and a range no store reads alike.
    assert.equal((await raw('PUT', `/${bucket}/code/aaaaaaaaaaaa/d._S3rver_object/z`, {}, 'z')).status, 400);
    await mine.put('code/aaaaaaaaaaaa/r.txt', Buffer.from('ranged'), 6);
    assert.equal((await raw('GET', `/${bucket}/code/aaaaaaaaaaaa/r.txt`, { range: 'bytes=1.5-' })).status, 400);
    assert.equal((await raw('GET', `/${bucket}/code/aaaaaaaaaaaa/r.txt`, { range: 'bytes=1-2' })).text, 'an');
    // The store's own caller (the orchestrator's credentials, past the broker): an error, not a crash.
    const admin = createS3Client(s3.s3.settings(bucket));
    await assert.rejects(
      admin.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: 'code/aaaaaaaaaaaa/mp.bin',
          UploadId: uploadId,
          MultipartUpload: { Parts: [{ PartNumber: 7, ETag: '"00"' }] },
        }),
      ),
    );
    admin.destroy();
    assert.equal((await mine.head('code/aaaaaaaaaaaa/r.txt'))?.size, 6, 'the store still answers');
  });

  test('an upload cut off halfway leaves the object it was replacing whole', async () => {
    await mine.put('code/aaaaaaaaaaaa/keep.txt', Buffer.from('the old content'), 15);
    const before = await mine.head('code/aaaaaaaaaaaa/keep.txt');
    await new Promise<void>((resolve) => {
      const req = http.request({
        socketPath: path.join(dir, 'a.sock'),
        method: 'PUT',
        path: `/${s3.store.bucket}/code/aaaaaaaaaaaa/keep.txt`,
        headers: { 'content-length': String(1 << 20) },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(256 * 1024, 120), () => setImmediate(() => req.destroy()));
      req.on('close', () => resolve());
    });
    // The store is done with the cut request once nothing under that name is being written.
    assert.equal((await readAll(s3.store, 'code/aaaaaaaaaaaa/keep.txt')).toString(), 'the old content');
    assert.equal((await mine.head('code/aaaaaaaaaaaa/keep.txt'))?.etag, before?.etag);
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
