import { setTimeout as sleep } from 'node:timers/promises';
import type { RunnerKeySet } from '@cubicle/protocol';
import { ApiException, CoreV1Api, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import { CLAIM_POLL_MS, ERROR_LOG_LINES, FLUSH_TIMEOUT_S, START_TIMEOUT_MS } from '../../tuning.js';
import { runnerClient } from '../runner-client.js';
import {
  type SandboxDriver,
  SandboxError,
  type SandboxExitListener,
  type SandboxInfo,
  type SandboxTargets,
  type StopOutcome,
} from '../sandbox-driver.js';
import { kubeCall, statusOf } from './kube-call.js';
import { PodCache } from './pod-cache.js';
import { podVerdict } from './pod-readiness.js';
import {
  APP_PORT,
  COMPONENT_LABEL,
  REPL_LABEL,
  type ReplPodSettings,
  RUNNER_PORT,
  replClaimName,
  replObjectName,
  replPod,
  replService,
  replWorkClaim,
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
  /** What a start is waiting for, in words ("waiting for a node: …"), as it changes. */
  onProgress?(replId: string, line: string): void;
  log: Logger;
}

const MANAGED = `app.kubernetes.io/managed-by=cubicle-orchestrator,${COMPONENT_LABEL}=repl`;

interface Running {
  targets: SandboxTargets;
  /** The pod this repl runs in: events of any other pod of the same name are not about it. */
  podUid: string;
}

const uidOf = (pod: V1Pod | undefined) => pod?.metadata?.uid ?? '';
const terminating = (pod: V1Pod | undefined) => !!pod?.metadata?.deletionTimestamp;

/**
 * Repls as Kubernetes objects (docs/kubernetes.md, "One pod per repl"): a bare pod `repl-<id>` and a
 * Service it owns. At most one runner per repl at any moment: a start finds a terminating pod
 * and waits for it to go (its runner is flushing), then creates the next; the API server refuses
 * a second pod of the same name. Every start and the exit monitor read one pod cache. Waiting
 * states (no node yet, an image pull the kubelet retries) are reported as progress until the start
 * timeout; a pod the cluster refuses to create fails at once with the API server's words. A repl
 * whose pod fails or is evicted is reported and its pod deleted: nothing runs that no record knows.
 */
export class KubernetesDriver implements SandboxDriver {
  private readonly core: CoreV1Api;
  private readonly pods: PodCache;
  private readonly known = new Map<string, Running>();
  private readonly stopping = new Set<string>();
  private readonly listeners: SandboxExitListener[] = [];
  private monitoring = false;

  constructor(private readonly opts: KubernetesDriverOptions) {
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.pods = new PodCache(opts.kubeConfig, this.core, opts.pod.namespace, MANAGED, opts.log);
  }

  private get ns(): string {
    return this.opts.pod.namespace;
  }

  async start(replId: string, signal: AbortSignal): Promise<SandboxTargets> {
    const name = replObjectName(replId);
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? START_TIMEOUT_MS);
    await this.pods.ready().catch((err: unknown) => {
      throw this.apiFailure('watch the repl pods', err);
    });
    this.monitorExits();
    const existing = this.known.get(replId);
    const current = this.pods.get(name);
    if (existing && uidOf(current) === existing.podUid && !terminating(current)) return existing.targets;

    let lastProgress = '';
    const progress = (line: string) => {
      if (line === lastProgress) return;
      lastProgress = line;
      this.opts.onProgress?.(replId, line);
    };
    const timedOut = () =>
      new SandboxError(
        `the repl's pod was not ready within ${Math.round((this.opts.startTimeoutMs ?? START_TIMEOUT_MS) / 1000)} s${lastProgress ? `: ${lastProgress}` : ''}`,
      );
    const pod = await this.createPod(replId, deadline, signal, progress, timedOut);
    try {
      const service = await this.ensureService(replId, pod);
      await this.waitReady(replId, uidOf(pod), deadline, signal, progress, timedOut);
      const running = { targets: this.targetsOf(replId, service), podUid: uidOf(pod) };
      this.known.set(replId, running);
      return running.targets;
    } catch (err) {
      await this.deletePod(replId).catch((e: Error) =>
        this.opts.log.warn({ replId, err: e }, 'could not delete the pod of a failed start'),
      ); // nothing half-started stays
      throw err instanceof SandboxError || signal.aborted ? err : this.apiFailure('start the repl', err);
    }
  }

  async publishRunnerKeys(set: RunnerKeySet): Promise<void> {
    const body = runnerKeysConfigMap(this.ns, set);
    const name = body.metadata?.name ?? '';
    try {
      await kubeCall(() => this.core.createNamespacedConfigMap({ namespace: this.ns, body }));
    } catch (err) {
      if (statusOf(err) !== 409) throw this.apiFailure('publish the runner keys', err);
      await kubeCall(() => this.core.replaceNamespacedConfigMap({ name, namespace: this.ns, body })).catch(
        (e: unknown) => {
          throw this.apiFailure('publish the runner keys', e);
        },
      );
    }
  }

  /** Flushes through the runner, then deletes the pod: its SIGTERM flushes again within the grace period. */
  async stop(replId: string): Promise<StopOutcome> {
    this.stopping.add(replId);
    try {
      const targets = this.known.get(replId)?.targets ?? (await this.lookupTargets(replId));
      let outcome: StopOutcome = { saved: true, detail: 'no sandbox' };
      if (targets) {
        const token = await this.opts.mintToken(replId);
        const flushed = await runnerClient.flush(targets.runner, token, FLUSH_TIMEOUT_S);
        outcome = { saved: flushed.ok, detail: flushed.detail };
      }
      await this.deletePod(replId);
      // Saved: the claim goes (a stopped repl costs nothing). Not saved: it stays for the next start's replay.
      if (outcome.saved) await this.deleteClaim(replId);
      else this.opts.log.warn({ replId }, 'kept the work volume: its changes are replayed at the next start');
      this.known.delete(replId);
      return outcome;
    } finally {
      this.stopping.delete(replId);
    }
  }

  /** Every repl pod in the namespace; running ones are adopted (their targets remembered). */
  async list(): Promise<SandboxInfo[]> {
    const [pods, services] = await Promise.all([
      kubeCall(() => this.core.listNamespacedPod({ namespace: this.ns, labelSelector: MANAGED })),
      kubeCall(() => this.core.listNamespacedService({ namespace: this.ns, labelSelector: MANAGED })),
    ]).catch((err: unknown) => {
      throw this.apiFailure('list the repl pods', err);
    });
    const out: SandboxInfo[] = [];
    for (const pod of pods.items) {
      const replId = pod.metadata?.labels?.[REPL_LABEL];
      if (!replId) continue;
      const ready = podVerdict(pod).kind === 'ready' && !terminating(pod);
      const service = services.items.find(
        (s) => s.metadata?.labels?.[REPL_LABEL] === replId && s.metadata?.ownerReferences?.[0]?.uid === uidOf(pod),
      );
      if (ready && service) this.known.set(replId, { targets: this.targetsOf(replId, service), podUid: uidOf(pod) });
      out.push({ replId, ready: ready && !!service });
    }
    if (out.length > 0) {
      await this.pods
        .ready()
        .catch((err: unknown) =>
          this.opts.log.warn({ err }, 'the repl pod watch is not up yet; exits are noticed once it is'),
        );
      this.monitorExits();
    }
    return out;
  }

  targets(replId: string): SandboxTargets | null {
    return this.known.get(replId)?.targets ?? null;
  }

  /** The repl is deleted: its pod and its work volume go, whatever they hold. */
  async remove(replId: string): Promise<void> {
    await this.deletePod(replId);
    await this.deleteClaim(replId);
    this.known.delete(replId);
  }

  onExit(listener: SandboxExitListener): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await this.pods.close();
  }

  /**
   * Creates the repl's pod, once no earlier pod of that name is left: a terminating one is still
   * flushing its workspace, so the next `runner pull` waits for it to go (never a stale pull).
   * One of ours that is alive (a start after an orchestrator restart) is adopted.
   */
  private async createPod(
    replId: string,
    deadline: number,
    signal: AbortSignal,
    progress: (line: string) => void,
    timedOut: () => Error,
  ): Promise<V1Pod> {
    const name = replObjectName(replId);
    for (;;) {
      // From the API server, not the cache: a pod our own stop just deleted may not show as terminating there yet.
      const present = await this.readPod(replId);
      if (present && terminating(present)) {
        progress('waiting for the previous runner to save and stop');
        const oldUid = uidOf(present);
        await this.pods.until(name, (p) => (uidOf(p) !== oldUid ? true : null), deadline, signal, timedOut);
        continue;
      }
      if (present) return present; // ours, alive: adopt it
      if (this.opts.pod.resources.volumeStorageClass)
        await this.ensureClaim(replId, deadline, signal, progress, timedOut);
      try {
        return await kubeCall(() =>
          this.core.createNamespacedPod({ namespace: this.ns, body: replPod(replId, this.opts.pod) }),
        );
      } catch (err) {
        // 409: a pod of that name appeared (still terminating, or a retried create that went through).
        if (statusOf(err) !== 409) throw this.apiFailure('create the repl pod', err);
        if (Date.now() > deadline) throw timedOut();
      }
    }
  }

  /**
   * The repl's work claim (REPL_VOLUME_STORAGE_CLASS): made, or kept from a pod that ended without
   * a flush (its journal is replayed by the next runner); one still being deleted is waited out.
   */
  private async ensureClaim(
    replId: string,
    deadline: number,
    signal: AbortSignal,
    progress: (line: string) => void,
    timedOut: () => Error,
  ): Promise<void> {
    const name = replClaimName(replId);
    for (;;) {
      const claim = await kubeCall(() =>
        this.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.ns }),
      ).catch((err: unknown) => {
        if (statusOf(err) === 404) return null;
        throw this.apiFailure('read the work volume claim', err);
      });
      if (claim && !claim.metadata?.deletionTimestamp) return;
      if (!claim) {
        try {
          await kubeCall(() =>
            this.core.createNamespacedPersistentVolumeClaim({
              namespace: this.ns,
              body: replWorkClaim(replId, this.opts.pod),
            }),
          );
          return;
        } catch (err) {
          if (statusOf(err) !== 409) throw this.apiFailure('create the work volume claim', err);
          continue;
        }
      }
      progress('waiting for the previous work volume to be released');
      if (Date.now() > deadline) throw timedOut();
      if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      await sleep(CLAIM_POLL_MS);
    }
  }

  private async deleteClaim(replId: string): Promise<void> {
    if (!this.opts.pod.resources.volumeStorageClass) return;
    try {
      await kubeCall(() =>
        this.core.deleteNamespacedPersistentVolumeClaim({ name: replClaimName(replId), namespace: this.ns }),
      );
    } catch (err) {
      if (statusOf(err) !== 404) throw this.apiFailure('delete the work volume claim', err);
    }
  }

  /** The Service for this pod: one left from an earlier pod (another owner) is replaced, never reused. */
  private async ensureService(replId: string, pod: V1Pod): Promise<V1Service> {
    const name = replObjectName(replId);
    const body = replService(replId, this.ns, { name, uid: uidOf(pod) });
    for (let attempt = 0; ; attempt++) {
      try {
        return await kubeCall(() => this.core.createNamespacedService({ namespace: this.ns, body }));
      } catch (err) {
        if (statusOf(err) !== 409 || attempt >= 2) throw this.apiFailure('create the Service', err);
      }
      const existing = await kubeCall(() => this.core.readNamespacedService({ name, namespace: this.ns })).catch(
        () => null,
      );
      if (existing?.metadata?.ownerReferences?.some((r) => r.uid === uidOf(pod))) return existing;
      await kubeCall(() => this.core.deleteNamespacedService({ name, namespace: this.ns })).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw this.apiFailure('replace a stale Service', err);
      });
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
      const service = await kubeCall(() =>
        this.core.readNamespacedService({ name: replObjectName(replId), namespace: this.ns }),
      );
      return this.targetsOf(replId, service);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw this.apiFailure('read the Service', err);
    }
  }

  private async readPod(replId: string): Promise<V1Pod | null> {
    try {
      return await kubeCall(() => this.core.readNamespacedPod({ name: replObjectName(replId), namespace: this.ns }));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw this.apiFailure('read the repl pod', err);
    }
  }

  /** Asks the pod to go: the runner gets SIGTERM and its grace period to flush; its Service goes with it. */
  private async deletePod(replId: string): Promise<void> {
    try {
      await kubeCall(() => this.core.deleteNamespacedPod({ name: replObjectName(replId), namespace: this.ns }));
    } catch (err) {
      if (statusOf(err) !== 404) throw this.apiFailure('delete the repl pod', err);
    }
  }

  /** Until this very pod (by uid) is Ready; a fatal state fails the start with its reason and logs. */
  private async waitReady(
    replId: string,
    uid: string,
    deadline: number,
    signal: AbortSignal,
    progress: (line: string) => void,
    timedOut: () => Error,
  ): Promise<void> {
    const failure = await this.pods.until(
      replObjectName(replId),
      (pod) => {
        if (uidOf(pod) !== uid) return null; // not in the cache yet (just created)
        if (terminating(pod)) return { reason: 'the repl pod was deleted while it started', pod, container: null };
        const verdict = podVerdict(pod as V1Pod);
        if (verdict.kind === 'ready') return 'ready' as const;
        if (verdict.kind === 'failed') return { reason: verdict.reason, pod, container: verdict.container };
        progress(verdict.progress);
        return null;
      },
      deadline,
      signal,
      timedOut,
    );
    if (failure === 'ready') return;
    throw new SandboxError(failure.reason, await this.podLogs(failure.pod as V1Pod, failure.container));
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

  /**
   * A running repl whose pod fails, is evicted, is deleted or starts terminating without a stop
   * from us (a node drain) is reported once; a failed pod is deleted so nothing is left running.
   */
  private monitorExits(): void {
    if (this.monitoring) return;
    this.monitoring = true;
    this.pods.subscribe((event, pod) => {
      const replId = pod.metadata?.labels?.[REPL_LABEL];
      const running = replId ? this.known.get(replId) : undefined;
      if (!replId || !running || running.podUid !== uidOf(pod) || this.stopping.has(replId)) return;
      const verdict = event === 'delete' ? null : podVerdict(pod);
      let reason: string | null = null;
      if (event === 'delete') reason = 'the repl pod was deleted';
      else if (verdict?.kind === 'failed') reason = verdict.reason;
      else if (terminating(pod)) reason = 'the cluster is stopping the repl pod (a node drain or an eviction)';
      if (!reason) return;
      this.known.delete(replId);
      if (event !== 'delete' && !terminating(pod)) {
        void this.deletePod(replId).catch((err: unknown) =>
          this.opts.log.warn({ err, replId }, 'could not delete a failed repl pod'),
        );
      }
      this.opts.log.warn({ replId, reason }, 'repl pod ended');
      for (const l of this.listeners) l(replId, new SandboxError(reason));
    });
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
