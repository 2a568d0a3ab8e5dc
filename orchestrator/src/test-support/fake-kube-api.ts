import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { schemaProblems } from './kubernetes-policy.js';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string }[];
    resourceVersion?: string;
    creationTimestamp?: string;
    generateName?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};
type Kind = 'deployments' | 'services' | 'pods' | 'configmaps' | 'leases' | 'persistentvolumeclaims';
export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

/** A pod's status as a test scripts it (merged into the pod, then MODIFIED goes to watchers). */
export type PodStatus = Record<string, unknown>;

/** A scripted refusal of one request: what an admission webhook, a ResourceQuota or a sick API server answers. */
export interface Fault {
  method: string;
  kind: Kind;
  code: number;
  reason: string;
  message: string;
  /** How many matching requests fail (then the fault is used up). */
  times: number;
}

interface HistoryEntry {
  version: number;
  kind: Kind;
  type: WatchType;
  object: KubeObject;
}

/** Events kept for watches that resume from a resourceVersion (etcd keeps a window too). */
const HISTORY_LIMIT = 1000;

const ROUTE =
  /^\/(?:apis\/apps\/v1|api\/v1|apis\/coordination\.k8s\.io\/v1)\/namespaces\/([a-z0-9-]+)\/(deployments|services|pods|configmaps|leases|persistentvolumeclaims)(?:\/([a-z0-9.-]+))?(\/log)?$/;

/**
 * A stand-in for kube-apiserver, for what the Kubernetes driver uses (a real one cannot run on
 * these machines): real HTTP with the real paths and verbs, 201/200/404/409/422 and `Status`
 * bodies like the real server, label selectors, watch streams (ADDED for what exists, then
 * MODIFIED/DELETED), garbage collection through ownerReferences, and every object a client
 * creates validated against the official schemas (422 Invalid otherwise). A Deployment gets
 * one pod (the "controller"); the test drives pod status transitions, or a fake kubelet does.
 */
export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  private readonly objects: Record<Kind, Map<string, KubeObject>> = {
    deployments: new Map(),
    services: new Map(),
    pods: new Map(),
    configmaps: new Map(),
    leases: new Map(),
    persistentvolumeclaims: new Map(),
  };
  private readonly watchers = new Set<{
    kind: Kind;
    ns: string;
    selector: Record<string, string>;
    res: http.ServerResponse;
  }>();
  private readonly podLogs = new Map<string, string>();
  private readonly history: HistoryEntry[] = [];
  /** Watches asking to resume from before this version get 410 Gone (etcd compaction). */
  private compactedVersion = 0;
  private readonly faults: Fault[] = [];
  private version = 1;
  private nextIp = 2;
  private server: http.Server | null = null;
  /** Called for each pod the fake controller makes (a fake kubelet starts it here). */
  onPodCreated: ((pod: KubeObject) => void) | null = null;
  /** Called when a ConfigMap is created or replaced (a fake kubelet updates mounted copies). */
  onConfigMapChanged: ((configMap: KubeObject) => void) | null = null;
  /**
   * Called when a pod is asked to go (deletionTimestamp set, still running): a fake kubelet stops
   * its containers and then calls `finishTermination`. Without a kubelet the pod goes at once,
   * unless `holdTerminations` keeps it terminating until a test calls `finishTermination`.
   */
  onPodDeleted: ((pod: KubeObject) => void) | null = null;
  holdTerminations = false;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  list(kind: Kind): KubeObject[] {
    return [...this.objects[kind].values()];
  }

  get(kind: Kind, ns: string, name: string): KubeObject | undefined {
    return this.objects[kind].get(`${ns}/${name}`);
  }

  /** The pod of a repl (the fake controller names it `repl-<id>-xxxxx`). */
  podOf(replId: string): KubeObject | undefined {
    return this.list('pods').find((p) => p.metadata.labels?.['cubicle.dev/repl'] === replId);
  }

  /** The next `times` requests of `method` on `kind` fail with `code` and a Status body. */
  fail(fault: Omit<Fault, 'times'> & { times?: number }): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Ends every open watch with `410 Gone` and forgets history, as after an etcd compaction. */
  expireWatches(): void {
    this.compactedVersion = this.version;
    this.history.length = 0;
    for (const w of this.watchers) {
      w.res.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus() })}\n`);
    }
    this.watchers.clear();
  }

  /** Open watches on a kind (a test checks one informer serves every start). */
  watchCount(kind: Kind): number {
    return [...this.watchers].filter((w) => w.kind === kind).length;
  }

  /**
   * The kubelet evicts a pod (node pressure, an emptyDir over its sizeLimit): it fails with reason
   * Evicted and goes (with `graceSeconds` for SIGTERM; 0 for an emptyDir overflow).
   */
  evict(ns: string, name: string, message: string): void {
    const pod = this.get('pods', ns, name);
    if (!pod) throw new Error(`no pod ${ns}/${name}`);
    this.setPodStatus(ns, name, {
      phase: 'Failed',
      reason: 'Evicted',
      message,
      conditions: [{ type: 'Ready', status: 'False' }],
    });
    this.beginTermination(pod);
  }

  /** The kubelet is done with a terminating pod: it leaves the API (DELETED), and its dependents go. */
  finishTermination(ns: string, name: string): void {
    const pod = this.get('pods', ns, name);
    if (pod?.metadata.deletionTimestamp) this.remove('pods', pod);
  }

  /** Scripts a pod status (phase, conditions, container statuses); watchers get MODIFIED. */
  setPodStatus(ns: string, name: string, status: PodStatus): void {
    const pod = this.get('pods', ns, name);
    if (!pod) throw new Error(`no pod ${ns}/${name}`);
    pod.status = { ...pod.status, ...status };
    this.touch(pod);
    this.emit('pods', 'MODIFIED', pod);
  }

  setPodLog(ns: string, name: string, container: string, text: string): void {
    this.podLogs.set(`${ns}/${name}/${container}`, text);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const record = (status: number) => this.requests.push({ method: req.method ?? '', path: url.pathname, status });
    const m = ROUTE.exec(url.pathname);
    if (!m) {
      record(404);
      return this.status(res, 404, 'NotFound', `the server could not find the requested resource (${url.pathname})`);
    }
    const [, ns = '', kind = 'pods', name, log] = m as unknown as [
      string,
      string,
      Kind,
      string | undefined,
      string | undefined,
    ];
    const key = `${ns}/${name}`;
    const selector = parseSelector(url.searchParams.get('labelSelector'));
    const body = await readBody(req);

    if (req.method === 'GET' && log && name) {
      const text = this.podLogs.get(`${key}/${url.searchParams.get('container') ?? ''}`);
      record(text === undefined ? 404 : 200);
      if (text === undefined) return this.status(res, 404, 'NotFound', `pods "${name}" not found`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(text);
      return;
    }
    if (req.method === 'GET' && !name && url.searchParams.get('watch') === 'true') {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.flushHeaders(); // as kube-apiserver: the stream is open before any event
      const from = url.searchParams.get('resourceVersion');
      if (from && Number(from) < this.compactedVersion) {
        res.end(`${JSON.stringify({ type: 'ERROR', object: goneStatus() })}\n`);
        return;
      }
      const watcher = { kind, ns, selector, res };
      this.watchers.add(watcher);
      res.on('close', () => this.watchers.delete(watcher));
      const visible = (o: KubeObject) => o.metadata.namespace === ns && matches(o, selector);
      if (from) {
        // Resume: every event after that version, then live ones.
        for (const e of this.history) {
          if (e.kind === kind && e.version > Number(from) && visible(e.object))
            res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
        }
      } else {
        for (const o of this.objects[kind].values()) {
          if (visible(o)) res.write(`${JSON.stringify({ type: 'ADDED', object: o })}\n`);
        }
      }
      return;
    }
    const fault = this.faults.find((f) => f.method === req.method && f.kind === kind && f.times > 0);
    if (fault) {
      fault.times--;
      record(fault.code);
      return this.status(res, fault.code, fault.reason, fault.message);
    }
    if (req.method === 'GET' && !name) {
      record(200);
      const items = [...this.objects[kind].values()].filter((o) => o.metadata.namespace === ns && matches(o, selector));
      const listKind = `${KIND_NAMES[kind]}List`;
      return this.json(res, 200, {
        kind: listKind,
        apiVersion: kind === 'deployments' ? 'apps/v1' : kind === 'leases' ? 'coordination.k8s.io/v1' : 'v1',
        metadata: { resourceVersion: String(this.version) },
        items,
      });
    }
    if (req.method === 'GET' && name) {
      const o = this.objects[kind].get(key);
      record(o ? 200 : 404);
      return o ? this.json(res, 200, o) : this.notFound(res, kind, name);
    }
    if (req.method === 'POST' && !name) {
      const o = body as KubeObject;
      const problems = schemaProblems(o as never);
      if (problems.length > 0) {
        record(422);
        return this.status(res, 422, 'Invalid', problems.join('; '));
      }
      const k = `${ns}/${o.metadata.name}`;
      if (this.objects[kind].has(k)) {
        record(409);
        return this.status(
          res,
          409,
          'AlreadyExists',
          `${kind.slice(0, -1)}s.${kind === 'deployments' ? 'apps ' : ''}"${o.metadata.name}" already exists`,
        );
      }
      const created = this.create(kind, ns, o);
      record(201);
      return this.json(res, 201, created);
    }
    if (req.method === 'PUT' && name) {
      const o = body as KubeObject;
      const existing = this.objects[kind].get(key);
      const problems = schemaProblems(o as never);
      if (o?.metadata?.name !== name) problems.push('metadata.name must match the name in the path');
      if (problems.length > 0) {
        record(422);
        return this.status(res, 422, 'Invalid', problems.join('; '));
      }
      if (!existing) {
        record(404);
        return this.notFound(res, kind, name);
      }
      // Optimistic concurrency: a replace based on an older version is refused, as by kube-apiserver.
      const expected = o.metadata.resourceVersion;
      if (expected && expected !== existing.metadata.resourceVersion) {
        record(409);
        return this.status(
          res,
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      record(200);
      const replaced: KubeObject = { ...structuredClone(o), metadata: { ...o.metadata, ...pick(existing.metadata) } };
      this.touch(replaced);
      this.objects[kind].set(key, replaced);
      this.emit(kind, 'MODIFIED', replaced);
      if (kind === 'configmaps') this.onConfigMapChanged?.(replaced);
      return this.json(res, 200, replaced);
    }
    if (req.method === 'DELETE' && name) {
      const o = this.objects[kind].get(key);
      record(o ? 200 : 404);
      if (!o) return this.notFound(res, kind, name);
      if (kind === 'pods') {
        // Graceful: the pod stays (Ready, even) with a deletionTimestamp until its containers stop.
        this.beginTermination(o);
        return this.json(res, 200, o);
      }
      if (kind === 'persistentvolumeclaims' && this.claimInUse(o)) {
        // pvc-protection: a claim a pod still mounts stays (terminating) until that pod is gone.
        o.metadata.deletionTimestamp ??= new Date().toISOString();
        this.touch(o);
        this.emit(kind, 'MODIFIED', o);
        return this.json(res, 200, o);
      }
      this.remove(kind, o);
      return this.json(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name, kind } });
    }
    record(405);
    this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported here`);
  }

  private create(kind: Kind, ns: string, o: KubeObject): KubeObject {
    const created: KubeObject = structuredClone(o);
    created.metadata = {
      ...created.metadata,
      namespace: ns,
      uid: randomUUID(),
      creationTimestamp: new Date().toISOString(),
    };
    if (kind === 'services') created.spec = { ...created.spec, clusterIP: `127.0.0.${this.nextIp++}` };
    if (kind === 'deployments') created.status = { replicas: 1, readyReplicas: 0 };
    this.touch(created);
    this.objects[kind].set(`${ns}/${created.metadata.name}`, created);
    this.emit(kind, 'ADDED', created);
    if (kind === 'deployments') this.createPod(created);
    if (kind === 'configmaps') this.onConfigMapChanged?.(created);
    if (kind === 'pods') this.onPodCreated?.(created);
    return created;
  }

  /** The Deployment controller's part: one pod from the template, owned by the Deployment. */
  private createPod(deployment: KubeObject): void {
    const template = (deployment.spec?.template ?? {}) as {
      metadata?: { labels?: Record<string, string> };
      spec?: Record<string, unknown>;
    };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${deployment.metadata.name}-${Math.random().toString(36).slice(2, 7)}`,
        namespace: deployment.metadata.namespace,
        labels: template.metadata?.labels ?? {},
        ownerReferences: [{ uid: deployment.metadata.uid ?? '' }],
      },
      spec: template.spec ?? {},
      status: { phase: 'Pending', conditions: [] },
    };
    this.create('pods', deployment.metadata.namespace ?? '', pod);
  }

  private claimInUse(claim: KubeObject): boolean {
    return this.list('pods').some(
      (p) =>
        p.metadata.namespace === claim.metadata.namespace &&
        ((p.spec as { volumes?: { persistentVolumeClaim?: { claimName: string } }[] })?.volumes ?? []).some(
          (v) => v.persistentVolumeClaim?.claimName === claim.metadata.name,
        ),
    );
  }

  /** A pod asked to go: deletionTimestamp set (MODIFIED), then the kubelet (or nobody) stops it. */
  private beginTermination(pod: KubeObject): void {
    if (pod.metadata.deletionTimestamp) return;
    const grace = Number((pod.spec as { terminationGracePeriodSeconds?: number })?.terminationGracePeriodSeconds ?? 30);
    pod.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString();
    pod.metadata.deletionGracePeriodSeconds = grace;
    this.touch(pod);
    this.emit('pods', 'MODIFIED', pod);
    if (this.onPodDeleted) this.onPodDeleted(pod);
    else if (!this.holdTerminations) this.remove('pods', pod);
  }

  /** Deletes an object and, like the garbage collector, everything it owns. */
  private remove(kind: Kind, o: KubeObject): void {
    if (this.objects[kind].get(`${o.metadata.namespace}/${o.metadata.name}`) !== o) return;
    this.objects[kind].delete(`${o.metadata.namespace}/${o.metadata.name}`);
    this.touch(o);
    this.emit(kind, 'DELETED', o);
    if (kind === 'pods') {
      // Claims whose deletion waited for this pod go now.
      for (const claim of [...this.objects.persistentvolumeclaims.values()]) {
        if (claim.metadata.deletionTimestamp && !this.claimInUse(claim)) this.remove('persistentvolumeclaims', claim);
      }
    }
    for (const k of ['services', 'pods'] as const) {
      for (const child of [...this.objects[k].values()]) {
        if (!child.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid)) continue;
        if (k === 'pods') this.beginTermination(child);
        else this.remove(k, child);
      }
    }
  }

  /** Marks a repl's pod Ready (the readiness probe passed) and its Deployment ready. */
  markReady(ns: string, podName: string): void {
    this.setPodStatus(ns, podName, {
      phase: 'Running',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
      ],
      initContainerStatuses: [
        { name: 'storage-broker', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'pull', ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
      containerStatuses: [{ name: 'runner', ready: true, restartCount: 0, state: { running: {} } }],
    });
    const pod = this.get('pods', ns, podName);
    const owner = this.list('deployments').find((d) => d.metadata.uid === pod?.metadata.ownerReferences?.[0]?.uid);
    if (owner) {
      owner.status = { replicas: 1, readyReplicas: 1 };
      this.touch(owner);
      this.emit('deployments', 'MODIFIED', owner);
    }
  }

  private touch(o: KubeObject): void {
    o.metadata.resourceVersion = String(++this.version);
  }

  private emit(kind: Kind, type: WatchType, o: KubeObject): void {
    this.history.push({ version: this.version, kind, type, object: structuredClone(o) });
    if (this.history.length > HISTORY_LIMIT) this.compactedVersion = this.history.shift()?.version ?? 0;
    for (const w of this.watchers) {
      if (w.kind === kind && w.ns === o.metadata.namespace && matches(o, w.selector)) {
        w.res.write(`${JSON.stringify({ type, object: o })}\n`);
      }
    }
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private notFound(res: http.ServerResponse, kind: Kind, name: string): void {
    this.status(res, 404, 'NotFound', `${kind}${kind === 'deployments' ? '.apps' : ''} "${name}" not found`);
  }

  /** A `Status` body, as kube-apiserver answers errors. */
  private status(res: http.ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }
}

/** What kube-apiserver sends a watch that asks for history it no longer has. */
const goneStatus = () => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'too old resource version',
  reason: 'Expired',
  code: 410,
});

const KIND_NAMES: Record<Kind, string> = {
  persistentvolumeclaims: 'PersistentVolumeClaim',
  leases: 'Lease',
  deployments: 'Deployment',
  services: 'Service',
  pods: 'Pod',
  configmaps: 'ConfigMap',
};

/** What the server keeps of an object across a replace: identity and placement. */
function pick(m: KubeObject['metadata']): Partial<KubeObject['metadata']> {
  return { namespace: m.namespace, uid: m.uid, creationTimestamp: m.creationTimestamp };
}

function parseSelector(s: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (k) out[k] = v ?? '';
  }
  return out;
}

function matches(o: KubeObject, selector: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => o.metadata.labels?.[k] === v);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : null;
}

/** A client configuration for a fake API server at `server` (plain HTTP, a dummy token). */
export function fakeKubeConfig(server: string, namespace: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'x' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace }],
    currentContext: 'fake',
  });
  return kc;
}
