import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadOrchestratorConfig, parseDuration } from './config.js';
import { replPod } from './drivers/kubernetes/repl-objects.js';
import { TEST_POD_SETTINGS } from './test-support/kube-test-settings.js';
import { schemaProblems } from './test-support/kubernetes-policy.js';

test('durations: units, bare seconds, and nonsense refused', () => {
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('45'), 45_000);
  assert.equal(parseDuration('soon'), null);
  assert.equal(parseDuration('-5m'), null);
});

test('config: embedded defaults and the rules that protect a public bind', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-config-test-'));
  try {
    const c = loadOrchestratorConfig({ DATA_DIR: dataDir });
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.s3, null, 'no S3 settings → the embedded server');
    assert.equal(c.idleTimeoutMs, 30 * 60_000);

    assert.throws(
      () => loadOrchestratorConfig({ DATA_DIR: dataDir, ORCHESTRATOR_HOST: '0.0.0.0' }),
      /ORCHESTRATOR_TOKEN/,
    );
    const open = loadOrchestratorConfig({
      DATA_DIR: dataDir,
      ORCHESTRATOR_HOST: '0.0.0.0',
      ORCHESTRATOR_TOKEN: 'long-enough-token-123',
    });
    assert.equal(open.apiToken, 'long-enough-token-123');
    for (const bad of [
      { IDLE_TIMEOUT: 'never' },
      { ORCHESTRATOR_PORT: 'eighty' },
      { PREVIEW_HOST_PATTERN: 'preview.example.com' },
      { S3_BUCKET: 'x' },
      { DRIVER: 'docker' },
    ]) {
      assert.throws(() => loadOrchestratorConfig({ DATA_DIR: dataDir, ...bad }), ConfigError, JSON.stringify(bad));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('config: DRIVER=kubernetes needs an image and object storage; resources have defaults', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-config-test-'));
  try {
    const base = { DATA_DIR: dataDir, DRIVER: 'kubernetes' };
    assert.throws(
      () => loadOrchestratorConfig(base),
      (err: Error) =>
        err instanceof ConfigError && /RUNNER_IMAGE/.test(err.message) && /needs object storage/.test(err.message),
    );
    const c = loadOrchestratorConfig({
      ...base,
      RUNNER_IMAGE: 'registry.example.com/cubicle-runner:1',
      S3_BUCKET: 'cubicle',
      KUBE_NAMESPACE: 'cubicle-test',
      REPL_MEMORY_LIMIT: '2Gi',
      REPL_RUNTIME_CLASS: 'gvisor',
    });
    assert.equal(c.driver, 'kubernetes');
    assert.equal(c.kubernetes?.namespace, 'cubicle-test');
    assert.equal(c.kubernetes?.resources.memoryLimit, '2Gi');
    assert.equal(c.kubernetes?.resources.cpuRequest, '100m');
    assert.equal(c.kubernetes?.runtimeClassName, 'gvisor');
    assert.equal(c.kubernetes?.serviceHostPattern, 'repl-{id}.{namespace}.svc');
    assert.equal(loadOrchestratorConfig({ DATA_DIR: dataDir }).kubernetes, null);

    // Scheduling: a node pool for repls, its taint, a priority, a private registry.
    const k8s = {
      ...base,
      RUNNER_IMAGE: 'registry.example.com/cubicle-runner:1',
      S3_BUCKET: 'cubicle',
      REPL_NODE_SELECTOR: 'cubicle.dev/pool=repls,kubernetes.io/arch=amd64',
      REPL_TOLERATIONS: '[{"key":"cubicle.dev/repls","operator":"Exists","effect":"NoSchedule"}]',
      REPL_PRIORITY_CLASS: 'cubicle-repls',
      REPL_IMAGE_PULL_SECRETS: 'registry-a, registry-b',
    };
    const scheduled = loadOrchestratorConfig(k8s).kubernetes?.scheduling;
    assert.deepEqual(scheduled?.nodeSelector, { 'cubicle.dev/pool': 'repls', 'kubernetes.io/arch': 'amd64' });
    assert.equal(scheduled?.tolerations[0]?.effect, 'NoSchedule');
    assert.equal(scheduled?.priorityClassName, 'cubicle-repls');
    assert.deepEqual(scheduled?.imagePullSecrets, ['registry-a', 'registry-b']);
    const pod = replPod('abcdefghijkl', {
      ...TEST_POD_SETTINGS,
      scheduling: scheduled ?? TEST_POD_SETTINGS.scheduling,
    });
    assert.deepEqual(schemaProblems(pod as never), [], 'the knobs make a valid pod');
    assert.deepEqual(pod.spec?.imagePullSecrets, [{ name: 'registry-a' }, { name: 'registry-b' }]);
    for (const [key, value] of [
      ['REPL_TOLERATIONS', '{"key":"not an array"}'],
      ['REPL_AFFINITY', 'nodeAffinity: yaml'],
      ['REPL_NODE_SELECTOR', 'no-equals-sign'],
    ] as const) {
      assert.throws(() => loadOrchestratorConfig({ ...k8s, [key]: value }), new RegExp(key), key);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
