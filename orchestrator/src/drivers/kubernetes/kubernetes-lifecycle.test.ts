import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import pino from 'pino';
import { FakeKubeApi, fakeKubeConfig, type KubeObject } from '../../test-support/fake-kube-api.js';
import { TEST_POD_SETTINGS } from '../../test-support/kube-test-settings.js';
import { KubernetesDriver } from './kubernetes-driver.js';

// The controller behaviour the bugs live in: graceful termination (a deleted pod stays,
// Ready, with a deletionTimestamp), evictions, watch expiry, API-server errors and admission
// refusals. Each test failed against the Deployment-per-repl driver.

const NS = TEST_POD_SETTINGS.namespace;
let api: FakeKubeApi;
let server: string;
const exits: { replId: string; reason: string }[] = [];
const drivers: KubernetesDriver[] = [];

function makeDriver(startTimeoutMs = 3000, progress?: (replId: string, line: string) => void): KubernetesDriver {
  const kc = fakeKubeConfig(server, NS);
  const driver = new KubernetesDriver({
    kubeConfig: kc,
    pod: TEST_POD_SETTINGS,
    serviceHostPattern: '{clusterIP}',
    startTimeoutMs,
    mintToken: async () => 'token',
    log: pino({ level: 'silent' }),
    ...(progress ? { onProgress: progress } : {}),
  });
  driver.onExit((replId, err) => exits.push({ replId, reason: err.message }));
  drivers.push(driver);
  return driver;
}

const replPods = (replId: string) => api.list('pods').filter((p) => p.metadata.labels?.['cubicle.dev/repl'] === replId);
/** Marks every new pod Ready shortly after it is created (a healthy kubelet). */
function healthyKubelet(): void {
  api.onPodCreated = (pod) => setTimeout(() => api.markReady(NS, pod.metadata.name), 30);
}

before(async () => {
  api = new FakeKubeApi();
  server = await api.start();
});
afterEach(async () => {
  api.onPodCreated = null;
  api.holdTerminations = false;
  exits.length = 0;
  for (const d of drivers.splice(0)) await d.close();
});
after(() => api.close());

describe('Kubernetes: one runner per repl, never a pull before the last flush (issue 19, bug 2)', () => {
  test('a quick stop → start waits for the terminating pod, never reports its readiness, and its end is no exit', async () => {
    const driver = makeDriver(5000);
    healthyKubelet();
    api.holdTerminations = true;
    await driver.start('aaaaaaaaaaaa', new AbortController().signal);
    const first = replPods('aaaaaaaaaaaa')[0] as KubeObject;
    await driver.stop('aaaaaaaaaaaa');
    assert.ok(api.get('pods', NS, first.metadata.name)?.metadata.deletionTimestamp, 'the old pod is terminating');
    let started = false;
    const again = driver.start('aaaaaaaaaaaa', new AbortController().signal).then((t) => {
      started = true;
      return t;
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(started, false, 'not ready on the strength of the old, terminating pod');
    assert.equal(replPods('aaaaaaaaaaaa').length, 1, 'no second pod while the first one flushes');
    api.finishTermination(NS, first.metadata.name);
    await again;
    const pods = replPods('aaaaaaaaaaaa');
    assert.equal(pods.length, 1);
    assert.notEqual(pods[0]?.metadata.uid, first.metadata.uid, 'a new pod');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(exits, [], "the old pod's DELETED event is not the new repl's exit");
    api.holdTerminations = false;
    await driver.stop('aaaaaaaaaaaa');
  });

  test('a Service left from an earlier pod is replaced, never reused under the new one', async () => {
    const driver = makeDriver();
    healthyKubelet();
    await driver.start('bbbbbbbbbbbb', new AbortController().signal);
    const service = api.get('services', NS, 'repl-bbbbbbbbbbbb');
    const pod = replPods('bbbbbbbbbbbb')[0];
    assert.equal(service?.metadata.ownerReferences?.[0]?.uid, pod?.metadata.uid, 'the Service is owned by the pod');
    // A stale Service (owned by something gone) is in the way of the next start.
    api.holdTerminations = true;
    await driver.stop('bbbbbbbbbbbb');
    api.finishTermination(NS, pod?.metadata.name ?? '');
    await driver.start('bbbbbbbbbbbb', new AbortController().signal);
    const now = api.get('services', NS, 'repl-bbbbbbbbbbbb');
    assert.equal(now?.metadata.ownerReferences?.[0]?.uid, replPods('bbbbbbbbbbbb')[0]?.metadata.uid);
    api.holdTerminations = false;
    await driver.stop('bbbbbbbbbbbb');
  });

  test('an evicted pod is reported, reaped, and never replaced behind the orchestrator’s back', async () => {
    const driver = makeDriver();
    healthyKubelet();
    await driver.start('cccccccccccc', new AbortController().signal);
    const pod = replPods('cccccccccccc')[0] as KubeObject;
    api.holdTerminations = true;
    api.evict(NS, pod.metadata.name, 'The node was low on resource: ephemeral-storage.');
    await eventually(() => exits.length === 1, 5000, 'the eviction reported');
    assert.match(exits[0]?.reason ?? '', /evicted.*ephemeral-storage/i);
    assert.equal(replPods('cccccccccccc').length, 1, 'no replacement pod pulls while the evicted one is flushing');
    api.finishTermination(NS, pod.metadata.name);
    await eventually(() => replPods('cccccccccccc').length === 0, 5000, 'nothing left running');
  });

  test('a repl that crashed is reported and its pod deleted: nothing left running that no record knows about', async () => {
    const driver = makeDriver();
    healthyKubelet();
    await driver.start('dddddddddddd', new AbortController().signal);
    const pod = replPods('dddddddddddd')[0] as KubeObject;
    api.setPodStatus(NS, pod.metadata.name, {
      containerStatuses: [
        { name: 'runner', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    });
    await eventually(() => exits.length === 1, 5000, 'the crash reported');
    await eventually(() => replPods('dddddddddddd').length === 0, 5000, 'the crashed pod deleted');
  });
});

describe('Kubernetes: waits that let a cluster autoscaler work, and refusals that are instant (issue 19, bug 3)', () => {
  test('an unschedulable pod waits for a node (with progress), and starts when one comes', async () => {
    const lines: string[] = [];
    const driver = makeDriver(5000, (_id, line) => lines.push(line));
    api.onPodCreated = (pod) => {
      const name = pod.metadata.name;
      setTimeout(
        () =>
          api.setPodStatus(NS, name, {
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: '0/3 nodes are available: 3 Insufficient memory.',
              },
            ],
          }),
        30,
      );
      setTimeout(() => api.markReady(NS, name), 800); // the autoscaler added a node
    };
    await driver.start('eeeeeeeeeeee', new AbortController().signal);
    assert.ok(
      lines.some((l) => /waiting for a node.*Insufficient memory/i.test(l)),
      lines.join(' | '),
    );
    await driver.stop('eeeeeeeeeeee');
  });

  test('a first image pull error is retried by the kubelet, not failed', async () => {
    const lines: string[] = [];
    const driver = makeDriver(5000, (_id, line) => lines.push(line));
    api.onPodCreated = (pod) => {
      const name = pod.metadata.name;
      setTimeout(
        () =>
          api.setPodStatus(NS, name, {
            initContainerStatuses: [
              {
                name: 'pull',
                ready: false,
                restartCount: 0,
                state: { waiting: { reason: 'ErrImagePull', message: 'registry timeout' } },
              },
            ],
          }),
        30,
      );
      setTimeout(() => api.markReady(NS, name), 600);
    };
    await driver.start('ffffffffffff', new AbortController().signal);
    assert.ok(
      lines.some((l) => /pulling the image.*registry timeout/i.test(l)),
      lines.join(' | '),
    );
    await driver.stop('ffffffffffff');
  });

  test('a pod the cluster refuses to create (ResourceQuota, admission) fails at once with the API server’s words', async () => {
    const driver = makeDriver(60_000);
    api.fail({
      method: 'POST',
      kind: 'pods',
      code: 403,
      reason: 'Forbidden',
      message: 'pods "repl-gggggggggggg" is forbidden: exceeded quota: repls, requested: limits.memory=1Gi',
    });
    const t0 = Date.now();
    await assert.rejects(driver.start('gggggggggggg', new AbortController().signal), /exceeded quota: repls/);
    assert.ok(Date.now() - t0 < 5000, 'no waiting for the start timeout');
    assert.equal(replPods('gggggggggggg').length, 0);
  });
});

describe('Kubernetes: an API server that errs and watches that expire (issue 19, bug 6)', () => {
  test('one 500 from the API server is retried, not the end of a start', async () => {
    const driver = makeDriver();
    healthyKubelet();
    api.fail({
      method: 'POST',
      kind: 'pods',
      code: 500,
      reason: 'InternalError',
      message: 'etcdserver: leader changed',
    });
    await driver.start('hhhhhhhhhhhh', new AbortController().signal);
    assert.equal(replPods('hhhhhhhhhhhh').length, 1);
    await driver.stop('hhhhhhhhhhhh');
  });

  test('one pod watch serves every start, and a watch that expires (410) is resumed from a new list', async () => {
    const driver = makeDriver();
    healthyKubelet();
    await driver.start('iiiiiiiiiiii', new AbortController().signal);
    await driver.start('jjjjjjjjjjjj', new AbortController().signal);
    assert.equal(api.watchCount('pods'), 1, 'one informer, not a watch per start');
    api.expireWatches();
    await eventually(() => api.watchCount('pods') === 1, 5000, 'the watch resumed');
    // A crash after the expiry is still seen.
    const pod = replPods('jjjjjjjjjjjj')[0] as KubeObject;
    api.setPodStatus(NS, pod.metadata.name, {
      containerStatuses: [
        { name: 'runner', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    });
    await eventually(() => exits.some((e) => e.replId === 'jjjjjjjjjjjj'), 5000, 'the crash seen after a 410');
    await driver.stop('iiiiiiiiiiii');
  });
});
