import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { podPolicyProblems, schemaProblems } from '../../test-support/kubernetes-policy.js';

// The install manifests in k8s/, rendered exactly as `kubectl apply -k` would (offline), then held
// to the official schemas and to the security model. No cluster is needed for any of this.

const K8S = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'k8s');

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML of many kinds, read field by field below
  spec?: any;
  data?: Record<string, string>;
};

function render(dir: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', path.join(K8S, dir)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);
}

const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is rendered`);
  return o;
};

describe('k8s/ manifests', () => {
  const base = render('.');
  const minio = render('overlays/minio');

  test('every object of the base and the MinIO overlay is valid against the Kubernetes schemas', () => {
    assert.ok(base.length >= 10);
    for (const o of [...base, ...minio])
      assert.deepEqual(schemaProblems(o as never), [], `${o.kind}/${o.metadata.name}`);
  });

  test('every namespaced object of the base and of every overlay lands in the cubicle namespace', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    for (const [name, objs] of [
      ['base', base],
      ['overlays/minio', minio],
    ] as const) {
      for (const o of objs.filter((x) => !clusterScoped.has(x.kind))) {
        assert.equal(o.metadata.namespace, 'cubicle', `${name}: ${o.kind}/${o.metadata.name}`);
      }
    }
  });

  test('no kustomize field that kustomize has deprecated (bases, patchesStrategicMerge, commonLabels)', () => {
    for (const file of execFileSync('find', [K8S, '-name', 'kustomization.yaml'], { encoding: 'utf8' })
      .trim()
      .split('\n')) {
      const text = fs.readFileSync(file, 'utf8').replace(/#.*$/gm, '');
      for (const field of ['bases', 'patchesStrategicMerge', 'patchesJson6902', 'commonLabels', 'vars']) {
        assert.doesNotMatch(text, new RegExp(`^${field}:`, 'm'), `${path.relative(K8S, file)}: ${field}`);
      }
    }
  });

  test('every pod follows the security model; only the orchestrator gets an API token', () => {
    for (const objs of [base, minio]) {
      for (const d of objs.filter((o) => o.kind === 'Deployment')) {
        const needsApiToken = d.metadata.name === 'cubicle-orchestrator';
        assert.deepEqual(podPolicyProblems(d.metadata.name, d.spec.template.spec, { needsApiToken }), []);
      }
    }
    const ns = find(base, 'Namespace', 'cubicle');
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  test('no secret values in the manifests: Secrets are made by the operator', () => {
    assert.equal(base.filter((o) => o.kind === 'Secret').length, 0);
    const config = find(base, 'ConfigMap', 'cubicle-config');
    for (const key of Object.keys(config.data ?? {})) assert.doesNotMatch(key, /(SECRET|TOKEN|PASSWORD|ACCESS_KEY)$/);
  });

  test('the orchestrator’s Role allows only what the driver does', () => {
    const role = find(base, 'Role', 'cubicle-orchestrator');
    const rules = (role as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }).rules;
    const resources = rules.flatMap((r) => r.resources).sort();
    assert.deepEqual(resources, [
      'configmaps',
      'events',
      'leases',
      'persistentvolumeclaims',
      'pods',
      'pods/log',
      'services',
    ]);
    for (const r of rules)
      assert.ok(!r.verbs.includes('*') && !r.resources.includes('*') && !r.apiGroups.includes('*'));
    const podVerbs = rules.find((r) => r.resources.includes('pods'))?.verbs ?? [];
    assert.deepEqual(podVerbs.sort(), ['create', 'delete', 'get', 'list', 'watch'], 'one pod per repl; never exec’d');
    assert.ok(!resources.includes('pods/exec') && !resources.includes('secrets'), 'no exec, no Secrets');
    const configMapVerbs = rules.find((r) => r.resources.includes('configmaps'))?.verbs ?? [];
    assert.deepEqual(configMapVerbs.sort(), ['create', 'get', 'update'], 'the runner-keys ConfigMap only');
  });

  test('repl pods: traffic only from the gateway; no private ranges, API or metadata address', () => {
    const policy = find(base, 'NetworkPolicy', 'cubicle-repls');
    assert.deepEqual(policy.spec.podSelector.matchLabels, { 'app.kubernetes.io/component': 'repl' });
    assert.deepEqual(policy.spec.ingress[0].from, [
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cubicle-orchestrator' } } },
    ]);
    const blocks = policy.spec.egress.flatMap((e: { to: { ipBlock?: { except: string[] } }[] }) =>
      e.to.flatMap((t) => t.ipBlock?.except ?? []),
    );
    for (const cidr of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'])
      assert.ok(blocks.includes(cidr), cidr);
  });

  test('repl pods reach DNS however the cluster serves it: kube-system, NodeLocal DNSCache, on UDP and TCP', () => {
    const policy = find(base, 'NetworkPolicy', 'cubicle-repls');
    type Peer = {
      namespaceSelector?: { matchLabels?: Record<string, string> };
      podSelector?: unknown;
      ipBlock?: { cidr: string };
    };
    const dns = policy.spec.egress.filter((e: { ports?: { port: number }[] }) => e.ports?.every((p) => p.port === 53));
    const peers: Peer[] = dns.flatMap((e: { to: Peer[] }) => e.to);
    const kubeSystem = peers.find(
      (p) => p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system',
    );
    assert.ok(kubeSystem, 'DNS to kube-system');
    assert.equal(
      kubeSystem?.podSelector,
      undefined,
      'any DNS pod there (CoreDNS, kube-dns, a vendor’s), not one label',
    );
    assert.ok(
      peers.some((p) => p.ipBlock?.cidr === '169.254.20.10/32'),
      'NodeLocal DNSCache',
    );
    for (const rule of dns) {
      const protocols = rule.ports.map((p: { protocol: string }) => p.protocol).sort();
      assert.deepEqual(protocols, ['TCP', 'UDP']);
    }
  });

  test('the orchestrator admits ingress controllers and a Prometheus scraper, and no repl pod', () => {
    const policy = find(base, 'NetworkPolicy', 'cubicle-orchestrator');
    const from = policy.spec.ingress.flatMap((r: { from: unknown[] }) => r.from);
    const text = JSON.stringify(from);
    for (const want of ['ingress-nginx', 'cubicle.dev/ingress', 'cubicle.dev/metrics'])
      assert.match(text, new RegExp(want));
    assert.ok(
      !from.some(
        (p: { namespaceSelector?: object; podSelector?: object }) =>
          p.namespaceSelector && Object.keys(p.namespaceSelector).length === 0 && !p.podSelector,
      ),
      'not every namespace',
    );
    assert.doesNotMatch(text, /"app.kubernetes.io\/component":"repl"/);
  });

  test('one Ingress for the API host and the wildcard runner and preview hosts, with WebSocket-friendly timeouts', () => {
    const ingress = find(base, 'Ingress', 'cubicle');
    const hosts = ingress.spec.rules.map((r: { host: string }) => r.host);
    assert.deepEqual(hosts, ['cubicle.example.com', '*.run.example.com', '*.example-apps.net']);
    assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'], '3600');
    assert.equal(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-buffering'], 'off');
    const config = find(base, 'ConfigMap', 'cubicle-config');
    assert.equal(config.data?.RUNNER_HOST_PATTERN, '{id}.run.example.com');
    assert.equal(config.data?.DRIVER, 'kubernetes');
  });

  test('the cert-manager example issues exactly the TLS Secrets the Ingress names', () => {
    const ingress = find(base, 'Ingress', 'cubicle');
    const wanted = ingress.spec.tls.flatMap((t: { secretName: string; hosts: string[] }) =>
      t.hosts.map((h) => `${t.secretName} ${h}`),
    );
    const example = parseAllDocuments(fs.readFileSync(path.join(K8S, 'examples', 'cert-manager.yaml'), 'utf8')).map(
      (d) => d.toJS() as Obj,
    );
    const issued = example
      .filter((o) => o.kind === 'Certificate')
      .flatMap((c) => (c.spec.dnsNames as string[]).map((h) => `${c.spec.secretName} ${h}`));
    assert.deepEqual(issued.sort(), wanted.sort());
    assert.ok(example.every((o) => o.metadata.namespace === 'cubicle'));
  });

  test('the MinIO overlay points Cubicle at the in-cluster store', () => {
    const config = find(minio, 'ConfigMap', 'cubicle-config');
    assert.equal(config.data?.S3_ENDPOINT, 'http://cubicle-minio.cubicle.svc:9000');
    assert.equal(config.data?.S3_FORCE_PATH_STYLE, 'true');
    assert.equal(
      config.data?.S3_CREATE_BUCKET,
      'true',
      'the bucket made through the S3 API, not by mkdir in MinIO’s data',
    );
    const minioDeployment = find(minio, 'Deployment', 'cubicle-minio');
    assert.equal(minioDeployment.spec.template.spec.initContainers, undefined);
    // Repl pods' storage broker and the orchestrator reach MinIO in-cluster: allowed by a policy.
    const policy = find(minio, 'NetworkPolicy', 'cubicle-repls-to-minio');
    assert.equal(policy.metadata.namespace, 'cubicle');
  });
});
