import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TEST_POD_SETTINGS as SETTINGS } from '../../test-support/kube-test-settings.js';
import { podPolicyProblems, schemaProblems } from '../../test-support/kubernetes-policy.js';
import { replDeployment, replService } from './repl-objects.js';

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
    const env = pod.containers[0]?.env ?? [];
    assert.deepEqual(env.find((e) => e.name === 'RUNNER_TOKEN_SECRET')?.valueFrom, {
      secretKeyRef: { name: 'cubicle-secrets', key: 'RUNNER_TOKEN_SECRET', optional: false },
    });
    assert.ok((pod.terminationGracePeriodSeconds ?? 0) > SETTINGS.shutdownTimeoutSeconds);
    assert.equal(pod.volumes?.find((v) => v.name === 'workspace')?.emptyDir?.sizeLimit, '2Gi');
    // Pull and serve share the workspace and the state (the base `runner serve` starts from).
    const mounts = (c: { volumeMounts?: { name: string }[] } | undefined) => c?.volumeMounts?.map((m) => m.name);
    assert.deepEqual(mounts(pod.initContainers?.[0]), mounts(pod.containers[0]));
    assert.deepEqual(pod.initContainers?.[0]?.args, ['pull', '--allow-empty']);
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
