import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { Shell } from './support/shell.js';

const asRoot = process.getuid?.() === 0;

/**
 * A raw HTTP client over the storage broker's socket, typed into a repl's shell: the attacker's
 * own tool, which says exactly what bytes go out (`node /tmp/s3raw.js METHOD TARGET HEADERS BODY`).
 */
const RAW_CLIENT = `
const http = require('http');
const [method, target, headers = '{}', body = ''] = process.argv.slice(2);
const req = http.request({ socketPath: '/run/cubicle/s3.sock', method, path: target, headers: JSON.parse(headers) }, (res) => {
  let text = '';
  res.on('data', (d) => { text += d; });
  res.on('end', () => console.log('STATUS ' + res.statusCode + ' ' + JSON.stringify(text.slice(0, 400))));
});
req.on('error', (e) => console.log('STATUS 0 ' + e.code));
req.end(body);
`;

/** Single-quoted for sh: the arguments reach node byte for byte. */
const sq = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

describe("from a repl's shell, the storage socket opens that repl's objects and nothing else", {
  skip: !asRoot && 'needs root: a user id per repl',
}, () => {
  let h: OrchestratorHarness;
  let a: string;
  let b: string;
  let shellA: Shell;
  let bucket: string;

  const raw = async (method: string, target: string, headers: Record<string, string> = {}, body = '') => {
    const r = await shellA.run(
      `node /tmp/s3raw.js ${sq(method)} ${sq(target)} ${sq(JSON.stringify(headers))} ${sq(body)}`,
    );
    const m = /STATUS (\d+) (.*)/.exec(r.out);
    assert.ok(m, r.out);
    return { status: Number(m[1]), text: m[2] ?? '' };
  };

  before(async () => {
    h = await startOrchestratorHarness({ SANDBOX: 'bwrap' });
    bucket = h.store.bucket;
    [a, b] = [await h.create('node'), await h.create('node')];
    shellA = await Shell.open(await h.connect(await h.start(a)));
    await h.store.put(`code/${b}/bfile.txt`, Buffer.from('private to B'), 12);
    bKeys = await h.store.listKeys(`code/${b}/`);
    const script = Buffer.from(RAW_CLIENT).toString('base64');
    assert.equal((await shellA.run(`echo ${script} | base64 -d > /tmp/s3raw.js`)).status, 0);
    // The client works: A's own object through the socket.
    await h.store.put(`code/${a}/afile.txt`, Buffer.from('A here'), 6);
    await eventually(
      async () => (await raw('GET', `/${bucket}/code/${a}/afile.txt`)).status === 200,
      10_000,
      'A to read its own object',
    );
  });
  after(() => h.close());

  let bKeys: string[];
  /** B's objects are as B left them, and none of A's objects holds B's file. */
  const bStillPrivate = async () => {
    assert.deepEqual(await h.store.listKeys(`code/${b}/`), bKeys, "B's objects changed");
    for (const key of await h.store.listKeys(`code/${a}/`)) {
      const body = await h.store.get(key);
      const chunks: Buffer[] = [];
      for await (const c of body.body) chunks.push(c as Buffer);
      assert.doesNotMatch(Buffer.concat(chunks).toString(), /private to B/, `${key} holds B's file`);
    }
  };

  test("a copy source that hides a way out behind '?' copies nothing of B's", async () => {
    for (const source of [
      `${bucket}/code/${a}/x?/../../${b}/bfile.txt`,
      `/${bucket}/code/${a}/x?/../../${b}/bfile.txt`,
      `${bucket}/code/${a}/x%3F/../../${b}/bfile.txt`,
      `${bucket}/code/${a}/x#/../../${b}/bfile.txt`,
      `${bucket}/code/${a}/%2e%2e/${b}/bfile.txt`,
      `${bucket}/code/${a}/x\\..\\..\\${b}\\bfile.txt`,
    ]) {
      const r = await raw('PUT', `/${bucket}/code/${a}/stolen.txt`, { 'x-amz-copy-source': source });
      assert.ok(r.status >= 400 && r.status < 500, `${source}: ${r.status} ${r.text}`);
    }
    await bStillPrivate();
  });

  test('multipart parameters write nothing outside the store, and nothing into B', async () => {
    const name = `cubicle-pwned-${randomBytes(6).toString('hex')}`;
    const created = await raw('POST', `/${bucket}/code/${a}/big.bin?uploads`);
    assert.equal(created.status, 200, created.text);
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.text)?.[1] ?? '';
    for (let depth = 1; depth <= 6; depth++) {
      const up = '../'.repeat(depth);
      for (const [id, part] of [
        [uploadId, `${up}${name}`],
        [`${up}${name}`, '1'],
        [encodeURIComponent(`x/${up}${name}`), '1'],
        [uploadId, encodeURIComponent(`${up}${name}`)],
        [uploadId, `..%2F..%2F${name}`],
      ]) {
        const r = await raw('PUT', `/${bucket}/code/${a}/x?uploadId=${id}&partNumber=${part}`, {}, 'attacker bytes');
        assert.ok(r.status >= 400 && r.status < 500, `uploadId=${id} partNumber=${part}: ${r.status} ${r.text}`);
      }
    }
    // A part of A's own upload, sent for one of B's keys, is refused too.
    const foreign = await raw('PUT', `/${bucket}/code/${b}/x?uploadId=${uploadId}&partNumber=1`, {}, 'x');
    assert.equal(foreign.status, 403, foreign.text);
    const wrongKey = await raw('PUT', `/${bucket}/code/${a}/other.bin?uploadId=${uploadId}&partNumber=1`, {}, 'x');
    assert.ok(
      wrongKey.status >= 400 && wrongKey.status < 500,
      `an upload answers for its own key only: ${wrongKey.text}`,
    );
    const found = [os.tmpdir(), '/', path.dirname(h.dataDir), h.dataDir].filter((dir) =>
      fs.existsSync(path.join(dir, name)),
    );
    assert.deepEqual(found, [], 'a part was written outside the store');
    await bStillPrivate();
  });

  test('paths that a URL parser and a file system read differently are refused before they go anywhere', async () => {
    for (const target of [
      `/${bucket}/code/${a}/%2e%2e/%2e%2e/code/${b}/bfile.txt`,
      `/${bucket}/code/${a}/%2E%2E/${b}/bfile.txt`,
      `/${bucket}/code/${b}/bfile.txt\\..\\..\\${a}\\x`,
      `/${bucket}/code/${a}/..%2F..%2F${b}%2Fbfile.txt`,
      `/${bucket}/code/${a}/x/../../${b}/bfile.txt`,
      `/${bucket}/code/${a}/a%00b`,
      `/${bucket}/code/${a}/a#b`,
    ]) {
      for (const method of ['GET', 'PUT']) {
        const r = await raw(method, target, {}, method === 'PUT' ? 'attacker bytes' : '');
        assert.ok(r.status >= 400 && r.status < 500, `${method} ${target}: ${r.status} ${r.text}`);
      }
    }
    await bStillPrivate();
  });
});
