import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import type { Leadership } from '../../repls/leadership.js';
import { LEADER_LEASE_SECONDS } from '../../tuning.js';
import { kubeCall, statusOf } from './kube-call.js';

export interface LeaseLeadershipOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The Lease's name: one per installation. */
  name: string;
  /** This process (pod name and a random part): who holds the Lease. */
  identity: string;
  log: Logger;
  /** Overrides LEADER_LEASE_SECONDS (tests). */
  leaseSeconds?: number;
}

/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: the
 * holder renews every third of the lease; anyone may take a lease not renewed for a whole term;
 * every write is a replace on the version read (409: someone else won). A leader that cannot
 * renew for a term stops acting as one before another may take over.
 */
export class LeaseLeadership implements Leadership {
  private readonly api: CoordinationV1Api;
  private readonly listeners: ((leader: boolean) => void)[] = [];
  private leader = false;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: LeaseLeadershipOptions) {
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
  }

  private get termMs(): number {
    return (this.opts.leaseSeconds ?? LEADER_LEASE_SECONDS) * 1000;
  }

  /** Tries once at once (so a sole orchestrator leads from its first moment), then keeps at it. */
  async start(): Promise<void> {
    await this.tick();
    const every = Math.max(100, Math.floor(this.termMs / 3));
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  isLeader(): boolean {
    // client-go's renew deadline: stop a third of a term before anyone else may take the Lease.
    return this.leader && Date.now() - this.renewedAt < (this.termMs * 2) / 3;
  }

  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Steps down and hands the Lease back, so the next orchestrator leads without waiting a term. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (!this.leader) return;
    this.set(false);
    const lease = await this.read().catch(() => null);
    if (lease?.spec?.holderIdentity !== this.opts.identity) return;
    lease.spec = { ...lease.spec, holderIdentity: '', renewTime: undefined };
    await this.replace(lease).catch((err: unknown) =>
      this.opts.log.warn({ err }, 'could not hand the leader lease back; the next leader waits for it to lapse'),
    );
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      const lease = await this.read();
      const now = new Date();
      if (!lease) {
        await kubeCall(() => this.api.createNamespacedLease({ namespace: this.opts.namespace, body: this.fresh(now) }));
        return this.renewed(now);
      }
      const spec = lease.spec ?? {};
      const mine = spec.holderIdentity === this.opts.identity;
      const renew = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
      const lapsed = !spec.holderIdentity || renew + (spec.leaseDurationSeconds ?? 0) * 1000 < now.getTime();
      if (!mine && !lapsed) return this.set(false);
      lease.spec = {
        ...spec,
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: Math.round(this.termMs / 1000),
        renewTime: now,
        ...(mine ? {} : { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
      };
      await this.replace(lease);
      this.renewed(now);
    } catch (err) {
      // 409: another orchestrator wrote first. Anything else: keep leading only while the last renewal holds.
      if (statusOf(err) === 409) return this.set(false);
      this.opts.log.warn({ err }, 'could not renew the leader lease');
      if (!this.isLeader()) this.set(false);
    }
  }

  private fresh(now: Date): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.opts.name, namespace: this.opts.namespace },
      spec: {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: Math.round(this.termMs / 1000),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }

  private async read(): Promise<V1Lease | null> {
    try {
      return await kubeCall(() =>
        this.api.readNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace }),
      );
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  private replace(lease: V1Lease): Promise<V1Lease> {
    return this.api.replaceNamespacedLease({ name: this.opts.name, namespace: this.opts.namespace, body: lease });
  }

  private renewed(at: Date): void {
    this.renewedAt = at.getTime();
    this.set(true);
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.opts.log.info({ identity: this.opts.identity, leader }, leader ? 'leading' : 'not leading');
    for (const l of this.listeners) l(leader);
  }
}
