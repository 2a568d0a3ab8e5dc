import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { startS3 } from '@cubicle/runner/test-support/s3-harness';
import { freePort, httpRequest } from './test-support/localhost.js';
import { startOrchestratorHarness } from './test-support/orchestrator-harness.js';

// Issue 19, item 7: an orchestrator whose object storage is not up yet (MinIO still starting)
// used to exit at its bucket check and crash-loop; it now waits, alive but not ready.

test('storage that comes up late is waited for: alive, not ready, then ready without a restart', async () => {
  const s3 = await startS3();
  const storagePort = await freePort();
  const port = await freePort();
  const starting = startOrchestratorHarness({
    ...s3.env(),
    S3_ENDPOINT: `http://127.0.0.1:${storagePort}`,
    ORCHESTRATOR_PORT: String(port),
  });
  // Storage that is down: every connection is cut at once (and counted), until it comes up.
  let up = false;
  let refused = 0;
  const target = new URL(s3.s3.endpoint);
  const storage = net.createServer((c) => {
    c.on('error', () => undefined);
    if (!up) {
      refused++;
      return void c.destroy();
    }
    const u = net.connect(Number(target.port), target.hostname);
    u.on('error', () => undefined);
    c.pipe(u).pipe(c);
  });
  await new Promise<void>((resolve) => storage.listen(storagePort, '127.0.0.1', resolve));
  try {
    await eventually(
      async () => (await httpRequest(`http://127.0.0.1:${port}/healthz`).catch(() => null))?.status === 200,
      30_000,
      'alive while it waits',
    );
    assert.equal((await httpRequest(`http://127.0.0.1:${port}/readyz`)).status, 503, 'not ready without storage');
    assert.equal((await httpRequest(`http://127.0.0.1:${port}/api/templates`)).status, 503);
    // More attempts than the S3 client's own retries: the orchestrator itself is waiting and asking again.
    await eventually(() => refused >= 6, 60_000, 'several rounds of asking');
    assert.equal((await httpRequest(`http://127.0.0.1:${port}/healthz`)).status, 200, 'still the same live process');
    up = true;
    const h = await starting;
    assert.equal((await httpRequest(`http://127.0.0.1:${port}/readyz`)).status, 200);
    assert.match(h.logs(), /waiting for object storage/);
    await h.close();
  } finally {
    await starting.then((h) => h.close()).catch(() => undefined);
    storage.close();
    await s3.close();
  }
});

test('S3_CREATE_BUCKET: a store that starts without the bucket (an in-cluster MinIO) gets it made', async () => {
  const s3 = await startS3();
  try {
    const h = await startOrchestratorHarness({ ...s3.env(), S3_BUCKET: 'made-at-start', S3_CREATE_BUCKET: 'true' });
    try {
      assert.match(h.logs(), /created the bucket/);
      const buckets = await s3.store.client.send(new ListBucketsCommand({}));
      assert.ok(buckets.Buckets?.some((b) => b.Name === 'made-at-start'));
    } finally {
      await h.close();
    }
  } finally {
    await s3.close();
  }
});
