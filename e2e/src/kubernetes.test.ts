import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FakeKubeApi } from '@cubicle/orchestrator/test-support/fake-kube-api';
import { freePort } from '@cubicle/orchestrator/test-support/localhost';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { ReplRecord } from '@cubicle/protocol';
import { TerminalReader } from '@cubicle/runner/test-support/terminal-reader';
import { FakeKubelet } from './support/fake-kubelet.js';
import { retryUntilPasses } from './support/retry.js';

// The whole loop through DRIVER=kubernetes: a real orchestrator talks to the fake API server
// (real client-node requests), whose kubelet runs the pod's containers for real — `runner pull`
// then `runner serve` with the pod's environment — so start → terminal → file in S3 → stop →
// flushed is exercised through the Kubernetes driver, the Service address and the gateway.

const NS = 'cubicle-e2e';
let api: FakeKubeApi;
let kubelet: FakeKubelet;
let h: OrchestratorHarness;
let kubeconfigDir: string;

before(async () => {
  api = new FakeKubeApi();
  const server = await api.start();
  kubeconfigDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-kubeconfig-'));
  const kubeconfig = path.join(kubeconfigDir, 'config');
  fs.writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server, 'insecure-skip-tls-verify': true } }], // plain HTTP needs this in client-node
      users: [{ name: 'orchestrator', user: { token: 'fake' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'orchestrator', namespace: NS } }],
      'current-context': 'fake',
    }),
  );
  h = await startOrchestratorHarness({
    DRIVER: 'kubernetes',
    KUBECONFIG: kubeconfig,
    KUBE_NAMESPACE: NS,
    RUNNER_IMAGE: 'registry.example.com/cubicle-runner:e2e',
    REPL_SERVICE_HOST_PATTERN: '{clusterIP}',
    // Work volumes as claims: what survives a pod that dies without a flush.
    REPL_VOLUME_STORAGE_CLASS: 'standard',
  });
  // The cluster's Secret: the bucket keys the storage-broker sidecar of each repl pod gets.
  kubelet = new FakeKubelet(api, {
    AWS_ACCESS_KEY_ID: h.s3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: h.s3Credentials.secretAccessKey,
  });
});
after(async () => {
  await kubelet?.close(); // pods first, while storage is up for their SIGTERM flush
  await h?.close();
  await api?.close();
  fs.rmSync(kubeconfigDir, { recursive: true, force: true });
});

test('DRIVER=kubernetes: start → shell and a saved file through the gateway → stop → in S3, nothing left', async () => {
  const id = await h.create('node');
  const started = await h.start(id);
  const lease = api.get('leases', NS, 'cubicle-orchestrator-leader');
  assert.ok((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, 'the orchestrator leads');
  const pod = api.get('pods', NS, `repl-${id}`);
  assert.ok(pod, 'one pod per repl, by name');
  assert.equal(
    api.get('services', NS, `repl-${id}`)?.metadata.ownerReferences?.[0]?.uid,
    pod.metadata.uid,
    'and its Service',
  );

  const socket = await h.connect(started);
  const reader = new TerminalReader(socket);
  const { id: term } = (await socket.emitWithAck('terminal:create', { cols: 100, rows: 30 })) as { id: string };
  socket.emit('terminal:write', { id: term, data: 'echo "in the pod: $((6*7)) as $(id -u)"\r' });
  await reader.waitFor(term, 'in the pod: 42');
  // From the repl's shell, everything its processes can read: no storage key, no signing key.
  socket.emit('terminal:write', {
    id: term,
    data: 'for p in /proc/[0-9]*; do tr "\\0" "\\n" < $p/environ; done 2>/dev/null | sort -u | base64 -w0; echo " <-END"\r',
  });
  const seen = Buffer.from(
    /([A-Za-z0-9+/=]{16,}) <-END/.exec(await reader.waitFor(term, /[A-Za-z0-9+/=]{16,} <-END/))?.[1] ?? '',
    'base64',
  ).toString();
  // The runner is non-dumpable (its environ is root's to read); the shell's own is what a repl sees.
  assert.match(seen, /CUBICLE=1/, "the shell's own environment was read");
  assert.doesNotMatch(seen, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|RUNNER_TOKEN_SECRET/);
  assert.ok(!seen.includes(h.s3Credentials.secretAccessKey), 'the storage secret');
  const saved = await socket.emitWithAck('updateContent', {
    path: 'from-k8s.txt',
    content: 'saved through the kubernetes driver\n',
  });
  assert.equal(saved.ok, true, JSON.stringify(saved));
  socket.disconnect();

  // An orchestrator rollout (SIGTERM, a new process) leaves repl pods running and adopts them.
  await h.restart('SIGTERM');
  assert.ok(api.get('pods', NS, `repl-${id}`), 'the repl pod outlives the orchestrator');
  assert.equal(ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body).state, 'running');
  const adopted = await h.connect(await h.start(id)); // idempotent start of the adopted repl
  assert.equal((await adopted.emitWithAck('fetchContent', { path: 'from-k8s.txt' })).ok, true);
  adopted.disconnect();

  const stopped = await h.api('POST', `/api/repls/${id}/stop`);
  assert.equal(ReplRecord.parse(stopped.body).state, 'stopped');
  assert.equal((await h.objects(id)).get('from-k8s.txt'), 'saved through the kubernetes driver\n');
  // Started again at once: the new pod waits for the old one to finish its SIGTERM flush, then pulls.
  const again = await h.start(id);
  const socket2 = await h.connect(again);
  const file = await socket2.emitWithAck('fetchContent', { path: 'from-k8s.txt' });
  assert.equal((file as { content?: string }).content, 'saved through the kubernetes driver\n');
  socket2.disconnect();
  await h.api('DELETE', `/api/repls/${id}`);
  await retryUntilPasses(
    () =>
      assert.deepEqual(
        { services: api.list('services').length, pods: api.list('pods').length },
        { services: 0, pods: 0 },
      ),
    20_000,
  );
  await retryUntilPasses(() => assert.deepEqual(kubelet.pids, []), 10_000);
});

test('a start that waits for a node says so on the record (the boot screen shows it), then runs', async () => {
  const id = await h.create('shell');
  let addNode = () => {};
  kubelet.noNodeUntil = new Promise<void>((resolve) => {
    addNode = resolve;
  });
  const starting = h.start(id);
  await retryUntilPasses(async () => {
    const repl = ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body);
    assert.equal(repl.state, 'starting');
    assert.match(repl.progress ?? '', /waiting for a node: 0\/1 nodes are available: 1 Insufficient cpu/);
  }, 20_000);
  kubelet.noNodeUntil = null;
  addNode();
  await starting;
  const running = ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body);
  assert.equal(running.state, 'running');
  assert.equal(running.progress, null);
  await h.api('DELETE', `/api/repls/${id}`);
});

test('a hard eviction (no SIGTERM, no flush) loses nothing: the work volume stays and the next start replays it', async () => {
  const id = await h.create('shell');
  const socket = await h.connect(await h.start(id));
  const content = `written a moment before the node ran out of memory ${Date.now()}\n`;
  const saved = await socket.emitWithAck('updateContent', { path: 'last-words.txt', content });
  assert.equal(saved.ok, true); // acknowledged: on the volume and in the runner's journal
  socket.disconnect();
  await kubelet.evictHard(NS, `repl-${id}`);
  await retryUntilPasses(async () => {
    const repl = ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body);
    assert.equal(repl.state, 'error');
    assert.match(repl.error?.reason ?? '', /evicted/);
  }, 20_000);
  assert.ok(api.get('persistentvolumeclaims', NS, `repl-${id}-work`), 'the work volume is kept');

  // Started again: the same volume, the journal's pending upload sent, the file where it was.
  const again = await h.connect(await h.start(id));
  const file = await again.emitWithAck('fetchContent', { path: 'last-words.txt' });
  assert.equal((file as { content?: string }).content, content);
  await retryUntilPasses(async () => assert.equal((await h.objects(id)).get('last-words.txt'), content), 20_000);
  again.disconnect();

  // A clean stop (flushed) lets the volume go: a stopped repl costs nothing.
  await h.api('POST', `/api/repls/${id}/stop`);
  await retryUntilPasses(
    () => assert.equal(api.get('persistentvolumeclaims', NS, `repl-${id}-work`), undefined),
    20_000,
  );
  await h.api('DELETE', `/api/repls/${id}`);
});

test('a second orchestrator on the same database (a rollout overlap) adopts running repls and stops nothing', async () => {
  const id = await h.create('shell');
  await h.start(id);
  const pod = api.get('pods', NS, `repl-${id}`);
  const leader = (api.get('leases', NS, 'cubicle-orchestrator-leader')?.spec as { holderIdentity?: string } | undefined)
    ?.holderIdentity;
  const second = await startOrchestratorHarness({ ...h.env, ORCHESTRATOR_PORT: String(await freePort()) });
  try {
    // It adopted the repl: its gateway reaches the same runner (from the IDE's origin, the first's).
    const socket = await h.connect(await second.start(id));
    assert.equal((await socket.emitWithAck('listFiles', {})).ok, true);
    socket.disconnect();
    const lease = api.get('leases', NS, 'cubicle-orchestrator-leader')?.spec as { holderIdentity?: string } | undefined;
    assert.equal(lease?.holderIdentity, leader, 'the first orchestrator still leads');
    assert.equal(
      api.get('pods', NS, `repl-${id}`)?.metadata.uid,
      pod?.metadata.uid,
      'the same pod, not stopped or replaced',
    );
    assert.equal(ReplRecord.parse((await h.api('GET', `/api/repls/${id}`)).body).state, 'running');
  } finally {
    await second.close();
  }
  await h.api('DELETE', `/api/repls/${id}`);
});
