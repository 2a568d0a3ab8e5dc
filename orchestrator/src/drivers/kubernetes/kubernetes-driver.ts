import type { RunnerKeySet } from '@cubicle/protocol';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Deployment,
  type V1Pod,
  type V1Service,
  Watch,
} from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import { ERROR_LOG_LINES, FLUSH_TIMEOUT_S, START_TIMEOUT_MS } from '../../tuning.js';
import { runnerClient } from '../runner-client.js';
import {
  type SandboxDriver,
  SandboxError,
  type SandboxExitListener,
  type SandboxInfo,
  type SandboxTargets,
  type StopOutcome,
} from '../sandbox-driver.js';
import { podVerdict } from './pod-readiness.js';
import {
  APP_PORT,
  COMPONENT_LABEL,
  REPL_LABEL,
  type ReplPodSettings,
  RUNNER_PORT,
  replDeployment,
  replObjectName,
  replService,
  runnerKeysConfigMap,
} from './repl-objects.js';

export interface KubernetesDriverOptions {
  kubeConfig: KubeConfig;
  pod: ReplPodSettings;
  /**
   * Host of a repl's Service as the orchestrator reaches it: `repl-{id}.{namespace}.svc` in a
   * cluster; `{clusterIP}` uses the Service's address directly (no cluster DNS needed).
   */
  serviceHostPattern: string;
  startTimeoutMs?: number;
  mintToken(replId: string): Promise<string>;
  log: Logger;
}

const MANAGED = `app.kubernetes.io/managed-by=cubicle-orchestrator,${COMPONENT_LABEL}=repl`;

const status = (err: unknown) => (err instanceof ApiException ? (err.code as number) : 0);

/**
 * Repls as Kubernetes objects (docs/architecture.md, "Orchestrator"): a Deployment and a Service per repl,
 * readiness from a pod watch (no polling), fast failure with the reason, idempotent create
 * (409 → adopt) and delete (404 → done), adoption of running repls from their labels.
 */
export class KubernetesDriver implements SandboxDriver {
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly known = new Map<string, SandboxTargets>();
  private readonly stopping = new Set<string>();
  private readonly listeners: SandboxExitListener[] = [];
  private podWatch: AbortController | null = null;
  private closed = false;

  constructor(private readonly opts: KubernetesDriverOptions) {
    this.apps = opts.kubeConfig.makeApiClient(AppsV1Api);
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
  }

  private get ns(): string {
    return this.opts.pod.namespace;
  }

  async start(replId: string, signal: AbortSignal): Promise<SandboxTargets> {
    const existing = this.known.get(replId);
    if (existing && (await this.status(replId)) === 'running') return existing;
    const name = replObjectName(replId);
    let deployment: V1Deployment;
    try {
      deployment = await this.apps.createNamespacedDeployment({
        namespace: this.ns,
        body: replDeployment(replId, this.opts.pod),
      });
    } catch (err) {
      if (status(err) !== 409) throw this.apiFailure('create the Deployment', err);
      deployment = await this.apps.readNamespacedDeployment({ name, namespace: this.ns }); // ours already: adopt it
    }
    const service = await this.ensureService(replId, deployment);
    const targets = this.targetsOf(replId, service);
    try {
      await this.waitReady(replId, signal);
    } catch (err) {
      await this.deleteDeployment(replId).catch(() => undefined); // nothing half-started stays
      throw err;
    }
    this.known.set(replId, targets);
    this.watchPods();
    return targets;
  }

  async publishRunnerKeys(set: RunnerKeySet): Promise<void> {
    const body = runnerKeysConfigMap(this.ns, set);
    const name = body.metadata?.name ?? '';
    try {
      await this.core.createNamespacedConfigMap({ namespace: this.ns, body });
    } catch (err) {
      if (status(err) !== 409) throw this.apiFailure('publish the runner keys', err);
      await this.core.replaceNamespacedConfigMap({ name, namespace: this.ns, body }).catch((e: unknown) => {
        throw this.apiFailure('publish the runner keys', e);
      });
    }
  }

  async stop(replId: string): Promise<StopOutcome> {
    this.stopping.add(replId);
    try {
      const targets = this.known.get(replId) ?? (await this.lookupTargets(replId));
      let outcome: StopOutcome = { saved: true, detail: 'no sandbox' };
      if (targets) {
        const token = await this.opts.mintToken(replId);
        const flushed = await runnerClient.flush(targets.runner, token, FLUSH_TIMEOUT_S);
        // The runner's SIGTERM (terminationGracePeriodSeconds) flushes again before the pod goes.
        outcome = { saved: flushed.ok, detail: flushed.detail };
      }
      await this.deleteDeployment(replId);
      this.known.delete(replId);
      return outcome;
    } finally {
      this.stopping.delete(replId);
    }
  }

  async status(replId: string): Promise<'running' | 'starting' | 'absent'> {
    try {
      const d = await this.apps.readNamespacedDeployment({ name: replObjectName(replId), namespace: this.ns });
      return (d.status?.readyReplicas ?? 0) >= 1 ? 'running' : 'starting';
    } catch (err) {
      if (status(err) === 404) return 'absent';
      throw this.apiFailure('read the Deployment', err);
    }
  }

  /** Every repl Deployment in the namespace; running ones are adopted (their targets remembered). */
  async list(): Promise<SandboxInfo[]> {
    const [deployments, services] = await Promise.all([
      this.apps.listNamespacedDeployment({ namespace: this.ns, labelSelector: MANAGED }),
      this.core.listNamespacedService({ namespace: this.ns, labelSelector: MANAGED }),
    ]);
    const out: SandboxInfo[] = [];
    for (const d of deployments.items) {
      const replId = d.metadata?.labels?.[REPL_LABEL];
      if (!replId) continue;
      const ready = (d.status?.readyReplicas ?? 0) >= 1;
      const service = services.items.find((s) => s.metadata?.labels?.[REPL_LABEL] === replId);
      if (ready && service) this.known.set(replId, this.targetsOf(replId, service));
      out.push({ replId, ready });
    }
    if (out.length > 0) this.watchPods();
    return out;
  }

  targets(replId: string): SandboxTargets | null {
    return this.known.get(replId) ?? null;
  }

  async remove(replId: string): Promise<void> {
    await this.deleteDeployment(replId);
    this.known.delete(replId);
  }

  onExit(listener: SandboxExitListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.podWatch?.abort();
  }

  private async ensureService(replId: string, deployment: V1Deployment): Promise<V1Service> {
    const owner = { name: deployment.metadata?.name ?? replObjectName(replId), uid: deployment.metadata?.uid ?? '' };
    try {
      return await this.core.createNamespacedService({ namespace: this.ns, body: replService(replId, this.ns, owner) });
    } catch (err) {
      if (status(err) !== 409) throw this.apiFailure('create the Service', err);
      return this.core.readNamespacedService({ name: replObjectName(replId), namespace: this.ns });
    }
  }

  private targetsOf(replId: string, service: V1Service): SandboxTargets {
    const host = this.opts.serviceHostPattern
      .replaceAll('{id}', replId)
      .replaceAll('{namespace}', this.ns)
      .replaceAll('{clusterIP}', service.spec?.clusterIP ?? '');
    return { runner: `http://${host}:${RUNNER_PORT}`, app: `http://${host}:${APP_PORT}` };
  }

  private async lookupTargets(replId: string): Promise<SandboxTargets | null> {
    try {
      const service = await this.core.readNamespacedService({ name: replObjectName(replId), namespace: this.ns });
      return this.targetsOf(replId, service);
    } catch (err) {
      if (status(err) === 404) return null;
      throw this.apiFailure('read the Service', err);
    }
  }

  private async deleteDeployment(replId: string): Promise<void> {
    try {
      // Background: the Service and the pod go with it (ownerReferences); the pod gets its grace period.
      await this.apps.deleteNamespacedDeployment({
        name: replObjectName(replId),
        namespace: this.ns,
        propagationPolicy: 'Background',
      });
    } catch (err) {
      if (status(err) !== 404) throw this.apiFailure('delete the Deployment', err);
    }
  }

  /** Watches the repl's pod until it is Ready, a fatal condition shows, the timeout passes, or `signal` aborts. */
  private waitReady(replId: string, signal: AbortSignal): Promise<void> {
    const timeoutMs = this.opts.startTimeoutMs ?? START_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      let watch: AbortController | null = null;
      let settled = false;
      const finish = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        watch?.abort();
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(
        () => finish(new SandboxError(`the repl's pod was not ready within ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort);
      void new Watch(this.opts.kubeConfig)
        .watch(
          `/api/v1/namespaces/${this.ns}/pods`,
          { labelSelector: `${REPL_LABEL}=${replId}` },
          (type: string, pod: V1Pod) => {
            if (settled || type === 'DELETED') return;
            const verdict = podVerdict(pod);
            if (verdict.kind === 'ready') finish();
            else if (verdict.kind === 'failed') {
              void this.podLogs(pod, verdict.container).then((logs) => finish(new SandboxError(verdict.reason, logs)));
            }
          },
          (err: unknown) => {
            if (!settled && !this.closed)
              finish(new SandboxError(`lost the watch on the repl's pod: ${String(err ?? 'closed')}`));
          },
        )
        .then(
          (controller) => {
            watch = controller;
            if (settled) controller.abort();
          },
          (err: unknown) => finish(this.apiFailure('watch the pod', err)),
        );
    });
  }

  private async podLogs(pod: V1Pod, container: string | null): Promise<string[]> {
    if (!container || !pod.metadata?.name) return [];
    try {
      const text = await this.core.readNamespacedPodLog({
        name: pod.metadata.name,
        namespace: this.ns,
        container,
        tailLines: ERROR_LOG_LINES,
      });
      return String(text).split('\n').filter(Boolean).slice(-ERROR_LOG_LINES);
    } catch {
      return [];
    }
  }

  /** After start or adoption: a running repl whose pod crash-loops or disappears is reported. */
  private watchPods(): void {
    if (this.podWatch || this.closed) return;
    const controller = new AbortController();
    this.podWatch = controller;
    void new Watch(this.opts.kubeConfig)
      .watch(
        `/api/v1/namespaces/${this.ns}/pods`,
        { labelSelector: MANAGED },
        (type: string, pod: V1Pod) => {
          const replId = pod.metadata?.labels?.[REPL_LABEL];
          if (!replId || !this.known.has(replId) || this.stopping.has(replId)) return;
          const verdict = type === 'DELETED' ? null : podVerdict(pod);
          if (type === 'DELETED' || verdict?.kind === 'failed') {
            const reason = verdict?.kind === 'failed' ? verdict.reason : 'the repl pod was deleted';
            this.known.delete(replId);
            for (const l of this.listeners) l(replId, new SandboxError(reason));
          }
        },
        () => {
          this.podWatch = null;
          if (!this.closed && this.known.size > 0) setTimeout(() => this.watchPods(), 1000).unref();
        },
      )
      .then(
        (c) => {
          controller.signal.addEventListener('abort', () => c.abort());
          if (controller.signal.aborted) c.abort();
        },
        () => {
          this.podWatch = null;
        },
      );
  }

  private apiFailure(what: string, err: unknown): SandboxError {
    if (err instanceof SandboxError) return err;
    let detail = err instanceof Error ? err.message : String(err);
    if (err instanceof ApiException) {
      try {
        detail = (JSON.parse(String(err.body)) as { message?: string }).message ?? detail;
      } catch {
        // not a Status body
      }
    }
    this.opts.log.error({ err, what }, 'kubernetes API call failed');
    return new SandboxError(`could not ${what}: ${detail}`);
  }
}
