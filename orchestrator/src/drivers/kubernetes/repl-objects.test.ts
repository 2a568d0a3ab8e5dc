import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { RunnerKeySet } from '@cubicle/protocol';
import { makeSigningKey } from '@cubicle/runner/test-support/test-keys';
import { loadOrchestratorConfig } from '../../config.js';
import { TEST_POD_SETTINGS as SETTINGS } from '../../test-support/kube-test-settings.js';
import { podPolicyProblems, schemaProblems } from '../../test-support/kubernetes-policy.js';
import {
  REPL_LABEL,
  RUNNER_KEYS_CONFIGMAP,
  replPod,
  replService,
  replWorkClaim,
  runnerKeysConfigMap,
} from './repl-objects.js';

describe('repl objects', () => {
  const replPodObject = replPod('abcdefghijkl', SETTINGS);
  const service = replService('abcdefghijkl', 'cubicle', { name: 'repl-abcdefghijkl', uid: '1234-5678' });

  test('valid against the Kubernetes schemas, with DNS-label names', () => {
    assert.deepEqual(schemaProblems(replPodObject as never), []);
    assert.equal(replPodObject.metadata?.name, 'repl-abcdefghijkl', 'a fixed name: one pod per repl at any moment');
    assert.deepEqual(schemaProblems(service as never), []);
  });

  const mounts = (c: { volumeMounts?: { name: string }[] } | undefined) => c?.volumeMounts?.map((m) => m.name);

  test('the pod follows the security model: hardening, limits, no literal secrets', () => {
    const pod = replPodObject.spec;
    assert.ok(pod);
    assert.deepEqual(podPolicyProblems('repl pod', pod as never), []);
    const runner = pod.containers[0];
    const env = runner?.env ?? [];
    // No signing secret anywhere: the runner reads public keys from a read-only ConfigMap mount.
    assert.ok(!JSON.stringify(pod).includes('RUNNER_TOKEN_SECRET'));
    const keysFile = env.find((e) => e.name === 'RUNNER_KEYS_FILE')?.value ?? '';
    const keysMount = runner?.volumeMounts?.find((m) => keysFile.startsWith(`${m.mountPath}/`));
    assert.equal(keysMount?.readOnly, true);
    assert.equal(pod.volumes?.find((v) => v.name === keysMount?.name)?.configMap?.name, RUNNER_KEYS_CONFIGMAP);
    assert.ok((pod.terminationGracePeriodSeconds ?? 0) > SETTINGS.shutdownTimeoutSeconds);
    assert.equal(pod.volumes?.find((v) => v.name === 'workspace')?.emptyDir?.sizeLimit, '2Gi');
    // Pull and serve share the workspace and the state (the base `runner serve` starts from).
    const pull = pod.initContainers?.find((c) => c.name === 'pull');
    for (const shared of ['workspace', 'state']) {
      assert.ok(mounts(pull)?.includes(shared) && mounts(pod.containers[0])?.includes(shared));
    }
    assert.deepEqual(pull?.args, ['pull', '--allow-empty']);
  });

  test('no container that touches user code holds a storage credential: a broker sidecar does, apart', () => {
    const pod = replPodObject.spec;
    assert.ok(pod);
    const [broker, pull] = pod.initContainers ?? [];
    const runner = pod.containers[0];
    assert.equal(broker?.name, 'storage-broker');
    assert.equal(broker?.restartPolicy, 'Always', 'a native sidecar: up before pull, down after the runner');
    for (const c of [pull, runner]) {
      assert.ok(c && !JSON.stringify(c).includes('secretKeyRef'), `${c?.name} references no Secret`);
      assert.ok(!c.env?.some((e) => /^AWS_/.test(e.name)), `${c.name} has no AWS_* variable`);
      assert.equal(c.env?.find((e) => e.name === 'S3_SOCKET')?.value, '/run/cubicle/s3.sock');
    }
    assert.match(JSON.stringify(broker?.env), /AWS_SECRET_ACCESS_KEY.*secretKeyRef/);
    // Apart: its own user, no shared process namespace, and only the socket's folder mounted.
    assert.notEqual(broker?.securityContext?.runAsUser, runner?.securityContext?.runAsUser);
    assert.notEqual(pod.shareProcessNamespace, true);
    assert.deepEqual(mounts(broker), ['storage-broker']);
  });

  test('the runner-keys ConfigMap is valid and carries public keys only', async () => {
    const key = await makeSigningKey();
    const cm = runnerKeysConfigMap('cubicle', { keys: [key.publicJwk] });
    assert.deepEqual(schemaProblems(cm as never), []);
    const set = RunnerKeySet.parse(JSON.parse(cm.data?.['jwks.json'] ?? ''));
    assert.deepEqual(set.keys, [key.publicJwk]);
    assert.ok(!/"d"\s*:/.test(JSON.stringify(cm)), 'no private key material');
  });

  test('the policy check catches what the schemas accept', () => {
    const bad = structuredClone(replPodObject);
    const c = bad.spec?.containers[0];
    assert.ok(c?.securityContext && bad.spec);
    c.securityContext.allowPrivilegeEscalation = true;
    c.env = [...(c.env ?? []), { name: 'AWS_SECRET_ACCESS_KEY', value: 'literal' }];
    delete c.resources?.limits?.memory;
    bad.spec.automountServiceAccountToken = true;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: 'no-such-volume', mountPath: '/x' }];
    const problems = podPolicyProblems('bad', bad.spec as never).join('\n');
    for (const want of [
      'allowPrivilegeEscalation',
      'literal value',
      'no memory limit',
      'automountServiceAccountToken',
      'mounts a volume "no-such-volume" the pod does not have',
    ]) {
      assert.match(problems, new RegExp(want));
    }
    assert.notDeepEqual(schemaProblems({ ...service, metadata: { name: 'Repl_Bad' } } as never), []);
    assert.notDeepEqual(schemaProblems({ ...replPodObject, spec: { containers: 'one' } } as never), []);
  });

  test('the Service is owned by the pod and selects only its repl', () => {
    assert.equal(service.metadata?.ownerReferences?.[0]?.uid, '1234-5678');
    assert.equal(service.metadata?.ownerReferences?.[0]?.kind, 'Pod');
    for (const [k, v] of Object.entries(service.spec?.selector ?? {})) {
      assert.equal(replPodObject.metadata?.labels?.[k], v, k);
    }
    assert.equal(service.spec?.selector?.[REPL_LABEL], 'abcdefghijkl');
    assert.deepEqual(
      service.spec?.ports?.map((p) => p.port),
      [3001, 3000],
    );
  });

  test('volumes: caches apart from the workspace and HOME; no emptyDir can outgrow the pod’s own limit first', () => {
    const config = loadOrchestratorConfig({
      DRIVER: 'kubernetes',
      RUNNER_IMAGE: 'registry.example.com/cubicle-runner:1',
      S3_BUCKET: 'cubicle',
      DATA_DIR: os.tmpdir(),
    });
    const settings = { ...SETTINGS, resources: config.kubernetes?.resources ?? SETTINGS.resources };
    const spec = replPod('abcdefghijkl', settings).spec;
    const runner = spec?.containers[0];
    assert.equal(runner?.volumeMounts?.find((m) => m.name === 'cache')?.mountPath, '/cache');
    const bytes = (q: string) =>
      Number.parseFloat(q) * ({ Gi: 2 ** 30, Mi: 2 ** 20, Ki: 2 ** 10 }[q.replace(/^[\d.]+/, '')] ?? 1);
    const emptyDirs = (spec?.volumes ?? []).reduce((sum, v) => sum + bytes(v.emptyDir?.sizeLimit ?? '0'), 0);
    const podLimit = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]
      .filter((c) => c.name !== 'pull') // init containers run before, not beside, the others
      .reduce((sum, c) => sum + bytes(c.resources?.limits?.['ephemeral-storage'] ?? '0'), 0);
    assert.ok(emptyDirs <= podLimit, `emptyDirs ${emptyDirs} ≤ the pod's ephemeral limit ${podLimit}`);
    assert.ok(
      bytes(spec?.volumes?.find((v) => v.name === 'state')?.emptyDir?.sizeLimit ?? '0') >= 2 ** 30,
      'HOME ≥ 1Gi',
    );

    // With a StorageClass: per-pod claims, valid against the schemas; a full disk is ENOSPC, not an eviction.
    const claimed = replPod('abcdefghijkl', {
      ...settings,
      resources: { ...settings.resources, volumeStorageClass: 'gp3' },
    });
    assert.deepEqual(schemaProblems(claimed as never), []);
    assert.deepEqual(podPolicyProblems('claimed', claimed.spec as never), []);
    const cache = claimed.spec?.volumes?.find((x) => x.name === 'cache');
    assert.equal(cache?.ephemeral?.volumeClaimTemplate?.spec.storageClassName, 'gp3');
    // The workspace and the journal share the repl's own claim, which outlives a pod that died unflushed.
    const work = claimed.spec?.volumes?.find((x) => x.name === 'work');
    assert.equal(work?.persistentVolumeClaim?.claimName, 'repl-abcdefghijkl-work');
    const mountsOf = (c: { volumeMounts?: { name: string; mountPath: string; subPath?: string }[] } | undefined) =>
      c?.volumeMounts?.filter((m) => m.name === 'work').map((m) => `${m.mountPath}:${m.subPath}`);
    for (const c of [claimed.spec?.containers[0], claimed.spec?.initContainers?.find((x) => x.name === 'pull')]) {
      assert.deepEqual(mountsOf(c), ['/workspace:workspace', '/state:state'], c?.name);
    }
    const claim = replWorkClaim('abcdefghijkl', {
      ...settings,
      resources: { ...settings.resources, volumeStorageClass: 'gp3' },
    });
    assert.deepEqual(schemaProblems(claim as never), []);
    assert.equal(claim.spec?.storageClassName, 'gp3');
  });

  test('an optional runtimeClassName (gVisor) is passed through', () => {
    const p = replPod('abcdefghijkl', { ...SETTINGS, runtimeClassName: 'gvisor' });
    assert.equal(p.spec?.runtimeClassName, 'gvisor');
  });
});
