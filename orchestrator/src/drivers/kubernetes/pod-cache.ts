import {
  type CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type ObjectCache,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import { KUBE_WATCH_RETRY_MAX_MS, KUBE_WATCH_RETRY_MS } from '../../tuning.js';

export type PodEvent = 'add' | 'update' | 'delete';
type Listener = (event: PodEvent, pod: V1Pod) => void;

/**
 * Every repl pod in the namespace, from one list+watch (client-node's informer): starts wait on it
 * and the exit monitor reads it, instead of a watch per start. A watch that expires (410 Gone) is
 * resumed from a fresh list by the informer; one that fails otherwise is restarted with backoff.
 */
export class PodCache {
  private readonly informer: Informer<V1Pod> & ObjectCache<V1Pod>;
  private readonly listeners = new Set<Listener>();
  private started: Promise<void> | null = null;
  private retryMs = KUBE_WATCH_RETRY_MS;
  private stopped = false;

  constructor(
    kubeConfig: KubeConfig,
    core: CoreV1Api,
    private readonly namespace: string,
    labelSelector: string,
    private readonly log: Logger,
  ) {
    this.informer = makeInformer(
      kubeConfig,
      `/api/v1/namespaces/${namespace}/pods`,
      () => core.listNamespacedPod({ namespace, labelSelector }),
      labelSelector,
    );
    for (const event of ['add', 'update', 'delete'] as const) {
      this.informer.on(event, (pod) => {
        this.retryMs = KUBE_WATCH_RETRY_MS;
        for (const l of this.listeners) l(event, pod);
      });
    }
    this.informer.on('error', (err) => {
      if (this.stopped) return;
      this.log.warn({ err, retryMs: this.retryMs }, 'the repl pod watch failed; restarting it');
      setTimeout(() => void this.informer.start().catch(() => undefined), this.retryMs).unref();
      this.retryMs = Math.min(this.retryMs * 2, KUBE_WATCH_RETRY_MAX_MS);
    });
  }

  /** Resolves once the first list is in (and starts the watch, once). */
  ready(): Promise<void> {
    this.started ??= this.informer.start().catch((err: unknown) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  get(name: string): V1Pod | undefined {
    return this.informer.get(name, this.namespace);
  }

  list(): readonly V1Pod[] {
    return this.informer.list();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves with the pod named `name` (or undefined, gone) once `done` says so, judged on the
   * cache now and on every change after; rejects on `signal` or at `deadline`.
   */
  until<T>(
    name: string,
    done: (pod: V1Pod | undefined) => T | null,
    deadline: number,
    signal: AbortSignal,
    onTimeout: () => Error,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        try {
          const result = done(this.get(name));
          if (result !== null) finish(() => resolve(result));
        } catch (err) {
          finish(() => reject(err));
        }
      };
      const finish = (settle: () => void) => {
        unsubscribe();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        settle();
      };
      const onAbort = () => finish(() => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted')));
      const unsubscribe = this.subscribe((_event, pod) => {
        if (pod.metadata?.name === name) check();
      });
      const timer = setTimeout(() => finish(() => reject(onTimeout())), Math.max(0, deadline - Date.now()));
      signal.addEventListener('abort', onAbort);
      check();
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.listeners.clear();
    await this.informer.stop().catch(() => undefined);
  }
}
