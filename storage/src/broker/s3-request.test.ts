import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { forwardedHeaders } from './forwarded-headers.js';
import { completedParts } from './multipart-bodies.js';
import { parseS3Request, type S3Operation, upstreamCopySource, upstreamTarget } from './s3-request.js';

const B = 'cubicle';
const A = 'code/aaaaaaaaaaaa';

const parse = (method: string, target: string, copy?: string) => parseS3Request(method, target, copy, B);
const operation = (method: string, target: string, copy?: string): S3Operation => {
  const r = parse(method, target, copy);
  assert.ok(r.ok, `${method} ${target} refused: ${r.ok ? '' : r.why}`);
  return r.operation;
};
const refusal = (method: string, target: string, copy?: string) => {
  const r = parse(method, target, copy);
  assert.ok(!r.ok, `${method} ${target} (copy ${copy}) was taken as ${r.ok ? r.operation.op : ''}`);
  return r.status;
};

describe('parseS3Request: what the runner sends is read as one operation', () => {
  test("the SDK's requests, each to the operation it means", () => {
    assert.deepEqual(operation('HEAD', `/${B}`), { op: 'HeadBucket' });
    assert.deepEqual(
      operation('GET', `/${B}?list-type=2&prefix=${encodeURIComponent(`${A}/`)}&continuation-token=abc%2B%2F%3D`),
      {
        op: 'ListObjectsV2',
        params: { prefix: `${A}/`, 'continuation-token': 'abc+/=' },
      },
    );
    assert.deepEqual(operation('GET', `/${B}/${A}/src/a%20b%20%C3%BC.txt?x-id=GetObject`), {
      op: 'GetObject',
      key: `${A}/src/a b ü.txt`,
    });
    assert.deepEqual(operation('PUT', `/${B}/${A}/dir/?x-id=PutObject`), { op: 'PutObject', key: `${A}/dir/` });
    assert.deepEqual(operation('PUT', `/${B}/${A}/b?x-id=CopyObject`, `${B}/${A}/a%23b%3F`), {
      op: 'CopyObject',
      key: `${A}/b`,
      sourceKey: `${A}/a#b?`,
    });
    assert.deepEqual(operation('POST', `/${B}/${A}/big?uploads&x-id=CreateMultipartUpload`), {
      op: 'CreateMultipartUpload',
      key: `${A}/big`,
    });
    assert.deepEqual(operation('PUT', `/${B}/${A}/big?partNumber=10000&uploadId=0a1b2c3d&x-id=UploadPart`), {
      op: 'UploadPart',
      key: `${A}/big`,
      uploadId: '0a1b2c3d',
      partNumber: 10_000,
    });
    assert.equal(operation('POST', `/${B}/${A}/big?uploadId=x.Y_z-1~%3D`).op, 'CompleteMultipartUpload');
    assert.equal(
      operation('DELETE', `/${B}/${A}/big?uploadId=abc&x-id=AbortMultipartUpload`).op,
      'AbortMultipartUpload',
    );
    assert.equal(operation('POST', `/${B}?delete`).op, 'DeleteObjects');
  });

  test('what goes upstream is rebuilt from the reading, in one canonical encoding', () => {
    const key = `${A}/a b ü!'()*#?%+.txt`;
    const target = upstreamTarget({ op: 'PutObject', key }, B);
    assert.equal(target, `/${B}/${A}/a%20b%20%C3%BC%21%27%28%29%2A%23%3F%25%2B.txt`);
    assert.deepEqual(operation('PUT', target), { op: 'PutObject', key }, 'it reads back as the same key');
    assert.equal(
      upstreamTarget({ op: 'UploadPart', key: `${A}/x`, uploadId: 'a=b', partNumber: 3 }, B),
      `/${B}/${A}/x?partNumber=3&uploadId=a%3Db`,
    );
    assert.equal(upstreamCopySource(B, `${A}/a#b`), `${B}/${A}/a%23b`);
  });
});

describe('parseS3Request: every form two readers could read differently is refused', () => {
  test('encoded dots, slashes and backslashes, raw backslashes, control characters, bad escapes: 400', () => {
    for (const path of [
      `${A}/%2e%2e/%2e%2e/code/bbbbbbbbbbbb/f`,
      `${A}/%2E./x`,
      `${A}/x%2Fy`,
      `${A}/x%5cy`,
      `${A}/x\\..\\y`,
      `${A}/../bbbbbbbbbbbb/f`,
      `${A}/./f`,
      `${A}//f`,
      `${A}/a%00b`,
      `${A}/a%0ab`,
      `${A}/a%7Fb`,
      `${A}/%zz`,
      `${A}/%ff%fe`,
      `${A}/a%`,
      `${A}/a b`,
      `${A}/a#b`,
    ]) {
      assert.equal(refusal('GET', `/${B}/${path}`), 400, path);
      assert.equal(refusal('PUT', `/${B}/${path}`), 400, path);
    }
  });

  test('multipart parameters are whole part numbers and single-segment upload ids', () => {
    const key = `/${B}/${A}/x`;
    for (const part of ['0', '10001', '01', '1e3', '-1', '1.0', '../../x', '..%2F..%2Fx', ''])
      assert.equal(refusal('PUT', `${key}?uploadId=abc&partNumber=${part}`), 400, `partNumber=${part}`);
    for (const id of ['..', '.', '../x', '..%2Fx', 'x%2F..%2F..', '-x', '', 'a%00', 'a b', '%2e%2e'])
      assert.equal(refusal('PUT', `${key}?uploadId=${id}&partNumber=1`), 400, `uploadId=${id}`);
    assert.equal(refusal('PUT', `${key}?uploadId=abc&partNumber=1&partNumber=2`), 400, 'a repeated parameter');
    assert.equal(refusal('PUT', `${key}?uploadId=a+b&partNumber=1`), 400, '+ means two things');
    assert.equal(refusal('PUT', `${key}?uploadId=abc&partNumber=1`, `${B}/${A}/y`), 403, 'no part copies');
  });

  test('a copy source names one object of this bucket, plainly', () => {
    const put = `/${B}/${A}/stolen.txt`;
    for (const copy of [
      `${B}/${A}/x?/../../bbbbbbbbbbbb/f`,
      `/${B}/${A}/x?versionId=1`,
      `${B}/${A}/x#/../y`,
      `${B}/${A}/%2e%2e/bbbbbbbbbbbb/f`,
      `${B}/${A}/x/../../bbbbbbbbbbbb/f`,
      `${B}/${A}/x\\..\\y`,
      `${B}/${A}%2Fx`,
      `${B}/${A}/%ff`,
    ])
      assert.equal(refusal('PUT', put, copy), 400, copy);
    assert.equal(refusal('PUT', put, `other/${A}/x`), 403);
    assert.equal(refusal('PUT', put, `${B}`), 403);
  });

  test('listings, the bucket and every other subresource', () => {
    assert.equal(refusal('GET', `/${B}?list-type=2&prefix=${A}/%2e%2e/`), 400);
    assert.equal(refusal('GET', `/${B}?list-type=2&prefix=${A}/../`), 400);
    assert.equal(refusal('GET', `/${B}?list-type=2&prefix=${A}/&delimiter=%2E`), 400);
    assert.equal(refusal('GET', `/${B}?list-type=2&prefix=${A}/&max-keys=100000`), 400);
    assert.equal(refusal('GET', `/${B}?list-type=2&prefix=${A}/&versions`), 403);
    assert.equal(refusal('GET', `/${B}?list-type=1&prefix=${A}/`), 403);
    assert.equal(refusal('PUT', `/${B}`), 403);
    assert.equal(refusal('GET', `/other/${A}/x`), 403);
    assert.equal(refusal('GET', `/%63ubicle/${A}/x`), 403);
    for (const sub of ['acl', 'tagging', 'policy', 'versionId=1', 'torrent', 'retention', 'uploads'])
      assert.equal(refusal('GET', `/${B}/${A}/x?${sub}`), 403, sub);
    assert.equal(refusal('DELETE', `/${B}/${A}/x`), 403, 'single deletes are not an operation the runner uses');
    assert.equal(refusal('GET', `/${B}/${A}/x?x-id=PutObject`), 400);
  });
});

describe('forwardedHeaders and completedParts', () => {
  const put: S3Operation = { op: 'PutObject', key: `${A}/x` };
  test('object metadata and body headers pass; the sandbox signature and framing never do', () => {
    assert.deepEqual(
      forwardedHeaders(
        {
          'content-type': 'text/plain',
          'content-length': '5',
          'x-amz-meta-mode': '644',
          authorization: 'AWS4-HMAC-SHA256 …',
          'x-amz-date': '20261207T000000Z',
          host: 'storage',
          'transfer-encoding': 'chunked',
          'x-forwarded-for': '1.2.3.4',
        },
        put,
      ),
      { 'content-type': 'text/plain', 'content-length': '5', 'x-amz-meta-mode': '644' },
    );
  });

  test('headers with a meaning of their own are refused, not dropped', () => {
    for (const [name, value] of [
      ['x-amz-acl', 'public-read'],
      ['x-amz-website-redirect-location', '/code/bbbbbbbbbbbb/x'],
      ['x-amz-tagging', 'a=b'],
      ['x-amz-server-side-encryption', 'AES256'],
      ['x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD'],
      ['content-encoding', 'aws-chunked'],
      ['x-amz-metadata-directive', 'COPY'],
    ] as const)
      assert.ok('why' in forwardedHeaders({ [name]: value }, put), name);
  });

  test("an upload's completion names whole part numbers and plain ETags", () => {
    const part = (n: string, etag: string) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`;
    assert.deepEqual(
      completedParts(
        `<CompleteMultipartUpload>${part('1', '&quot;0a1b&quot;')}${part('2', 'ff')}</CompleteMultipartUpload>`,
      ),
      [
        { partNumber: 1, etag: '"0a1b"' },
        { partNumber: 2, etag: 'ff' },
      ],
    );
    for (const bad of [
      part('../../x', 'ff'),
      part('0', 'ff'),
      part('10001', 'ff'),
      part('1', '../x'),
      part('1', ''),
      '',
    ])
      assert.equal(typeof completedParts(`<CompleteMultipartUpload>${bad}</CompleteMultipartUpload>`), 'string', bad);
  });
});
