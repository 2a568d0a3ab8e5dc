import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RunnerKeySet } from '@cubicle/protocol';
import { makeSigningKey } from '@cubicle/runner/test-support/test-keys';
import { TEST_POD_SETTINGS as SETTINGS } from '../../test-support/kube-test-settings.js';
import { podPolicyProblems, schemaProblems } from '../../test-support/kubernetes-policy.js';
import { RUNNER_KEYS_CONFIGMAP, replDeployment, replService, runnerKeysConfigMap } from './repl-objects.js';

describe('repl objects', () => {
  const deployment = replDeployment('abcdefghijkl', SETTINGS);
  const service = replService('abcdefghijkl', 'cubicle', { name: 'repl-abcdefghijkl', uid: '1234-5678' });

  test('valid against the Kubernetes schemas, with DNS-label names', () => {
    assert.deepEqual(schemaProblems(deployment as never), []);
    assert.deepEqual(schemaProblems(service as never), []);
  });

  test('the pod follows the security model: hardening, limits, no literal secrets', () => {
    const pod = deployment.spec?.template.spec;
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
    const mounts = (c: { volumeMounts?: { name: string }[] } | undefined) => c?.volumeMounts?.map((m) => m.name);
    for (const shared of ['workspace', 'state']) {
      assert.ok(mounts(pod.initContainers?.[0])?.includes(shared) && mounts(pod.containers[0])?.includes(shared));
    }
    assert.deepEqual(pod.initContainers?.[0]?.args, ['pull', '--allow-empty']);
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
    const bad = structuredClone(deployment);
    const c = bad.spec?.template.spec?.containers[0];
    assert.ok(c?.securityContext && bad.spec?.template.spec);
    c.securityContext.allowPrivilegeEscalation = true;
    c.env = [...(c.env ?? []), { name: 'AWS_SECRET_ACCESS_KEY', value: 'literal' }];
    delete c.resources?.limits?.memory;
    bad.spec.template.spec.automountServiceAccountToken = true;
    const problems = podPolicyProblems('bad', bad.spec.template.spec as never).join('\n');
    for (const want of [
      'allowPrivilegeEscalation',
      'literal value',
      'no memory limit',
      'automountServiceAccountToken',
    ]) {
      assert.match(problems, new RegExp(want));
    }
    assert.notDeepEqual(schemaProblems({ ...service, metadata: { name: 'Repl_Bad' } } as never), []);
    assert.notDeepEqual(schemaProblems({ ...deployment, spec: { replicas: 'one' } } as never), []);
  });

  test('the Service is owned by the Deployment and selects only its repl', () => {
    assert.equal(service.metadata?.ownerReferences?.[0]?.uid, '1234-5678');
    assert.deepEqual(service.spec?.selector, deployment.spec?.selector.matchLabels);
    assert.deepEqual(
      service.spec?.ports?.map((p) => p.port),
      [3001, 3000],
    );
  });

  test('an optional runtimeClassName (gVisor) is passed through', () => {
    const d = replDeployment('abcdefghijkl', { ...SETTINGS, runtimeClassName: 'gvisor' });
    assert.equal(d.spec?.template.spec?.runtimeClassName, 'gvisor');
  });
});
