import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
  testUidRegistry,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { isAlive, processesOfUid } from '@cubicle/orchestrator/test-support/process-control';
import { Shell } from './support/shell.js';

const asRoot = process.getuid?.() === 0;

/**
 * Two Cubicle installations on one machine (two DATA_DIRs, one host registry of user id
 * ranges), both left to their default SANDBOX_UID_BASE: what one does to its repls' users
 * never reaches the other's (docs/security.md, "Local sandboxes").
 */
describe('two installations on one machine', { skip: !asRoot && 'needs root: a user id per repl' }, () => {
  let registryDir: string;
  let shared: Record<string, string>;
  let one: OrchestratorHarness;
  let two: OrchestratorHarness;
  let a: string;
  let shellA: Shell;
  const uidOf = (h: OrchestratorHarness, id: string) =>
    Number(fs.readFileSync(path.join(h.dataDir, 'sandboxes', id, 'uid'), 'utf8'));
  const runnerOf = (h: OrchestratorHarness, id: string) =>
    (JSON.parse(fs.readFileSync(path.join(h.dataDir, 'sandboxes', id, 'sandbox.json'), 'utf8')) as { pid: number }).pid;

  before(async () => {
    registryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-uid-registry-'));
    shared = {
      SANDBOX: 'bwrap',
      SANDBOX_UID_REGISTRY: testUidRegistry(registryDir),
      SANDBOX_UID_COUNT: '50',
    };
    one = await startOrchestratorHarness(shared, { uidRange: 'orchestrator' });
    two = await startOrchestratorHarness(shared, { uidRange: 'orchestrator' });
    a = await one.create('shell');
    shellA = await Shell.open(await one.connect(await one.start(a)));
  });
  after(async () => {
    await Promise.all([one?.close(), two?.close()]);
    fs.rmSync(registryDir, { recursive: true, force: true });
  });

  test("starting and stopping repls in one installation leaves the other's runner and shell alone", async () => {
    const runner = runnerOf(one, a);
    assert.match((await shellA.run('echo one-$((6*7))')).out, /one-42/);
    const others: string[] = [];
    for (let i = 0; i < 2; i++) {
      const b = await two.create('shell');
      others.push(b);
      await two.start(b);
      assert.equal((await two.api('POST', `/api/repls/${b}/stop`)).status, 200);
    }
    const running = await two.create('shell');
    others.push(running);
    await two.start(running);
    assert.ok(isAlive(runner), "installation 1's runner was killed");
    const still = await shellA.run('echo still-$((6*7))');
    assert.equal(still.status, 0);
    assert.match(still.out, /still-42/);
    for (const b of others) assert.notEqual(uidOf(two, b), uidOf(one, a));
    const [r1, r2] = [one.uidRange(), two.uidRange()];
    assert.ok(
      r1.base + r1.count <= r2.base || r2.base + r2.count <= r1.base,
      `ranges overlap: ${JSON.stringify([r1, r2])}`,
    );
  });

  test('a restarted installation keeps its range: its repls keep their user ids and still stop cleanly', async () => {
    const range = one.uidRange();
    const uid = uidOf(one, a);
    const runner = runnerOf(one, a);
    await one.restart('SIGKILL'); // its runners survive, and the new orchestrator adopts them
    assert.deepEqual(one.uidRange(), range);
    assert.ok(isAlive(runner), 'the runner outlives its orchestrator');
    const shell = await Shell.open(await one.connect(await one.start(a)));
    assert.equal(runnerOf(one, a), runner);
    assert.equal((await shell.run(`test "$(id -u)" = ${uid}`)).status, 0);
    await shell.run('setsid sleep 1000 >/dev/null 2>&1 &');
    assert.equal((await one.api('POST', `/api/repls/${a}/stop`)).status, 200);
    assert.deepEqual(processesOfUid(uid), [], 'nothing of the stopped repl survives');
    await one.start(a);
    assert.equal(uidOf(one, a), uid);
  });

  test("an explicit SANDBOX_UID_BASE inside another installation's range is refused, naming it", async () => {
    const base = one.uidRange().base + 10;
    const third = await startOrchestratorHarness(
      { ...shared, SANDBOX_UID_BASE: String(base) },
      { uidRange: 'orchestrator' },
    ).then(
      (h) => h,
      (err: Error) => err,
    );
    if (!(third instanceof Error)) {
      await third.close();
      assert.fail(`an orchestrator started with SANDBOX_UID_BASE=${base}, inside ${JSON.stringify(one.uidRange())}`);
    }
    const line = /^orchestrator: .*$/m.exec(third.message)?.[0] ?? third.message;
    assert.match(line, new RegExp(`SANDBOX_UID_BASE=${base}\\b.*overlaps.*${fs.realpathSync(one.dataDir)}`));
  });
});
