import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import pino from 'pino';
import { FakeKubeApi, fakeKubeConfig } from '../../test-support/fake-kube-api.js';
import { TEST_POD_SETTINGS } from '../../test-support/kube-test-settings.js';
import { SandboxError } from '../sandbox-driver.js';
import { KubernetesDriver } from './kubernetes-driver.js';

// The driver against a fake kube-apiserver (real HTTP, real client-node paths and verbs, watch
// streams), with pod status transitions scripted the way a kubelet would report them.

const NS = TEST_POD_SETTINGS.namespace;
let api: FakeKubeApi;
let driver: KubernetesDriver;
const exits: { replId: string; reason: string }[] = [];

const kubeConfig = (server: string) => fakeKubeConfig(server, NS);

/** Scripts what happens to the next pod: a list of statuses applied 30 ms apart. */
function script(...steps: ((podName: string) => void)[]): void {
  api.onPodCreated = (pod) => {
    for (const [i, step] of steps.entries()) setTimeout(() => step(pod.metadata.name), 30 * (i + 1));
  };
}
const status = (s: Record<string, unknown>) => (pod: string) => api.setPodStatus(NS, pod, s);
const pending = status({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] });
const initRunning = status({
  phase: 'Pending',
  initContainerStatuses: [{ name: 'pull', ready: false, restartCount: 0, state: { running: {} } }],
});
const ready = (pod: string) => api.markReady(NS, pod);
const leftovers = () => ({
  deployments: api.list('deployments').length,
  services: api.list('services').length,
  pods: api.list('pods').length,
});
const none = { deployments: 0, services: 0, pods: 0 };

async function expectFailure(replId: string, pattern: RegExp): Promise<SandboxError> {
  const err = await driver.start(replId, new AbortController().signal).then(
    () => assert.fail('start should fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SandboxError, String(err));
  assert.match(err.message, pattern);
  return err;
}

before(async () => {
  api = new FakeKubeApi();
  const server = await api.start();
  driver = new KubernetesDriver({
    kubeConfig: kubeConfig(server),
    pod: TEST_POD_SETTINGS,
    serviceHostPattern: '{clusterIP}',
    startTimeoutMs: 3000,
    mintToken: async () => 'token',
    log: pino({ level: 'silent' }),
  });
  driver.onExit((replId, err) => exits.push({ replId, reason: err.message }));
});
afterEach(() => {
  api.onPodCreated = null;
});
after(async () => {
  await driver.close();
  await api.close();
});

describe('KubernetesDriver against a fake API server', () => {
  test('start: the pod, then its Service, then Ready from the one pod watch', async () => {
    script(pending, initRunning, ready);
    const from = api.requests.length;
    const targets = await driver.start('aaaaaaaaaaaa', new AbortController().signal);
    const service = api.get('services', NS, 'repl-aaaaaaaaaaaa');
    assert.equal(targets.runner, `http://${service?.spec?.clusterIP}:3001`);
    assert.equal(targets.app, `http://${service?.spec?.clusterIP}:3000`);
    assert.deepEqual(
      api.requests.slice(from).map((r) => `${r.method} ${r.path} ${r.status}`),
      [
        `GET /api/v1/namespaces/${NS}/pods 200`, // the pod cache: list…
        `GET /api/v1/namespaces/${NS}/pods 200`, // …and watch
        `GET /api/v1/namespaces/${NS}/pods/repl-aaaaaaaaaaaa 404`, // no earlier pod still flushing
        `POST /api/v1/namespaces/${NS}/pods 201`,
        `POST /api/v1/namespaces/${NS}/services 201`,
      ],
    );
    const pod = api.get('pods', NS, 'repl-aaaaaaaaaaaa');
    assert.equal(service?.metadata.ownerReferences?.[0]?.uid, pod?.metadata.uid);
    assert.equal((pod?.status as { phase?: string } | undefined)?.phase, 'Running');
    assert.deepEqual(driver.targets('aaaaaaaaaaaa'), targets);
  });

  test('stop: flush attempted, pod deleted, its Service collected; a second stop is fine', async () => {
    const outcome = await driver.stop('aaaaaaaaaaaa');
    assert.equal(outcome.saved, false, 'no runner answers in this test, so the flush is reported unsaved');
    assert.deepEqual(leftovers(), none);
    assert.equal(api.get('pods', NS, 'repl-aaaaaaaaaaaa'), undefined);
    assert.equal(driver.targets('aaaaaaaaaaaa'), null);
    await driver.stop('aaaaaaaaaaaa');
    assert.ok(
      api.requests.some((r) => r.method === 'DELETE' && r.status === 404),
      'delete of a missing object is success',
    );
  });

  test('a live pod of the repl is adopted, not duplicated', async () => {
    script(ready);
    await driver.start('bbbbbbbbbbbb', new AbortController().signal);
    api.onPodCreated = null;
    const again = await driver.start('bbbbbbbbbbbb', new AbortController().signal);
    assert.ok(again.runner);
    assert.equal(api.list('pods').length, 1);
    // A fresh driver (orchestrator restart) adopts it from its labels.
    const list = await driver.list();
    assert.deepEqual(list, [{ replId: 'bbbbbbbbbbbb', ready: true }]);
    await driver.stop('bbbbbbbbbbbb');
  });

  test('an image name that can never pull fails fast with the reason, and leaves nothing behind', async () => {
    script(
      status({
        initContainerStatuses: [
          {
            name: 'pull',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'InvalidImageName', message: 'couldn’t parse image reference' } },
          },
        ],
      }),
    );
    await expectFailure('cccccccccccc', /pull: InvalidImageName \(couldn’t parse image reference\)/);
    assert.deepEqual(leftovers(), none);
  });

  test('a pod no node takes in time fails at the start timeout with the scheduler’s message', async () => {
    script(
      status({
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes: Insufficient memory' },
        ],
      }),
    );
    await expectFailure('dddddddddddd', /not ready within 3 s: waiting for a node: 0\/3 nodes: Insufficient memory/);
    assert.deepEqual(leftovers(), none);
  });

  test('an init container that exits 1 (S3 unreachable) fails with its log lines', async () => {
    api.onPodCreated = (pod) => {
      api.setPodLog(NS, pod.metadata.name, 'pull', 'runner pull: object storage unreachable at http://s3:9000\n');
      setTimeout(
        () =>
          api.setPodStatus(NS, pod.metadata.name, {
            initContainerStatuses: [
              { name: 'pull', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } },
            ],
          }),
        30,
      );
    };
    const err = await expectFailure('eeeeeeeeeeee', /pull init container failed with exit code 1 \(Error\)/);
    assert.deepEqual(err.logs, ['runner pull: object storage unreachable at http://s3:9000']);
    assert.deepEqual(leftovers(), none);
  });

  test('a crash-looping runner fails the start', async () => {
    script(
      status({
        containerStatuses: [
          {
            name: 'runner',
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
          },
        ],
      }),
    );
    await expectFailure('ffffffffffff', /runner: keeps crashing/);
    assert.deepEqual(leftovers(), none);
  });

  test('a pod that never gets ready times out (never stuck in starting); an abort tears down', async () => {
    script(pending);
    await expectFailure('gggggggggggg', /not ready within 3 s/);
    assert.deepEqual(leftovers(), none);
    const abort = new AbortController();
    script(pending);
    setTimeout(() => abort.abort(new Error('stopped by a person')), 100);
    await assert.rejects(driver.start('hhhhhhhhhhhh', abort.signal), /stopped by a person/);
    assert.deepEqual(leftovers(), none);
  });

  test('an invalid object is refused (422) with the API server’s message', async () => {
    await expectFailure('Not-A-Repl', /could not create the repl pod: .*DNS-1123/);
  });

  test('a running repl whose pod starts crash-looping is reported as exited', async () => {
    script(ready);
    await driver.start('iiiiiiiiiiii', new AbortController().signal);
    const pod = api.podOf('iiiiiiiiiiii');
    assert.ok(pod);
    api.setPodStatus(NS, pod.metadata.name, {
      containerStatuses: [
        { name: 'runner', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    });
    await eventually(() => exits.length > 0, 5000, 'the crash reported');
    assert.deepEqual(exits, [{ replId: 'iiiiiiiiiiii', reason: 'runner: keeps crashing' }]);
    await eventually(() => leftovers().pods === 0, 5000, 'the crashed pod deleted without a stop');
    await driver.stop('iiiiiiiiiiii');
    assert.deepEqual(leftovers(), none);
  });
});
