import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import pino from 'pino';
import { FakeKubeApi, fakeKubeConfig } from '../../test-support/fake-kube-api.js';
import { LeaseLeadership } from './lease-leadership.js';

// Two orchestrators against one API server (issue 19, bug 6: with `replicas: 2` each ran the
// reconcile and the reaper and stopped the other's repls): exactly one leads at a time.

const NS = 'cubicle';
let api: FakeKubeApi;
let server: string;
const all: LeaseLeadership[] = [];

/** A TCP path to the API server that a test can cut (a network partition for one orchestrator). */
async function partitionable(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const target = new URL(server);
  const sockets = new Set<net.Socket>();
  let cut = false;
  const proxy = net.createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

function orchestrator(identity: string, via = server): LeaseLeadership {
  const kc = fakeKubeConfig(via, NS);
  const l = new LeaseLeadership({
    kubeConfig: kc,
    namespace: NS,
    name: 'cubicle-orchestrator-leader',
    identity,
    leaseSeconds: 1,
    log: pino({ level: 'silent' }),
  });
  all.push(l);
  return l;
}

before(async () => {
  api = new FakeKubeApi();
  server = await api.start();
});
after(async () => {
  for (const l of all) await l.close();
  await api.close();
});

describe('leader election on a Lease', () => {
  test('the first orchestrator leads, the second waits; a clean shutdown hands over at once', async () => {
    const a = orchestrator('a');
    const b = orchestrator('b');
    await a.start();
    await b.start();
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    await new Promise((r) => setTimeout(r, 1500)); // past a term: a renews, b still waits
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    const t0 = Date.now();
    await a.close();
    await eventually(() => b.isLeader(), 3000, 'b leads after a hands the Lease back');
    assert.ok(Date.now() - t0 < 1000, 'without waiting for the term to lapse');
    assert.equal(a.isLeader(), false);
    await b.close();
  });

  test('a leader cut off from the API server stops leading within a term, and another takes over', async () => {
    const link = await partitionable();
    const c = orchestrator('c', link.url);
    await c.start();
    assert.equal(c.isLeader(), true);
    const d = orchestrator('d');
    await d.start();
    assert.equal(d.isLeader(), false);
    link.cut();
    const overlap: boolean[] = [];
    const watch = setInterval(() => overlap.push(c.isLeader() && d.isLeader()), 20);
    await eventually(() => !c.isLeader(), 3000, 'c steps down on its own');
    await eventually(() => d.isLeader(), 6000, 'd takes over');
    clearInterval(watch);
    assert.ok(!overlap.includes(true), 'never two leaders at once');
    await link.close();
    const lease = api.get('leases', NS, 'cubicle-orchestrator-leader');
    assert.equal((lease?.spec as { holderIdentity?: string } | undefined)?.holderIdentity, 'd');
  });
});
