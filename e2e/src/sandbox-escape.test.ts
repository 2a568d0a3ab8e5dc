import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { httpRequest } from '@cubicle/orchestrator/test-support/localhost';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import { processesOfUid } from '@cubicle/orchestrator/test-support/process-control';
import type { RunRecord, StartReplResponse } from '@cubicle/protocol';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { Shell } from './support/shell.js';

const asRoot = process.getuid?.() === 0;
const PROCESS_LIMIT = 96;
const MEMORY_LIMIT_MB = 400;

describe('from a shell in one repl, nothing outside it can be reached', {
  skip: !asRoot && 'needs root: a user id per repl',
}, () => {
  let h: OrchestratorHarness;
  let a: string;
  let b: string;
  let startA: StartReplResponse;
  let startB: StartReplResponse;
  let shellA: Shell;
  let shellB: Shell;
  const sandbox = (id: string) => path.join(h.dataDir, 'sandboxes', id);
  const uidOf = (id: string) => Number(fs.readFileSync(path.join(sandbox(id), 'uid'), 'utf8'));

  before(async () => {
    h = await startOrchestratorHarness({
      SANDBOX: 'bwrap',
      SANDBOX_PROCESSES: String(PROCESS_LIMIT),
      SANDBOX_MEMORY_MB: String(MEMORY_LIMIT_MB),
    });
    [a, b] = [await h.create('node'), await h.create('node')];
    [startA, startB] = [await h.start(a), await h.start(b)];
    shellA = await Shell.open(await h.connect(startA));
    shellB = await Shell.open(await h.connect(startB));
  });
  after(() => h.close());

  test("each repl is its own user; another repl's files, processes and the data folder are out of sight", async () => {
    assert.notEqual(uidOf(a), uidOf(b));
    assert.equal((await shellA.run(`test "$(id -u)" = ${uidOf(a)}`)).status, 0);
    await shellB.run('echo private-to-b > mine.txt');
    for (const target of [
      path.join(sandbox(b), 'workspace', 'mine.txt'),
      path.join(h.dataDir, 'orchestrator.db'),
      h.dataDir,
    ]) {
      const r = await shellA.run(`cat ${target} || ls ${target}`);
      assert.notEqual(r.status, 0, `${target} is reachable from repl A`);
      assert.doesNotMatch(r.out, /private-to-b/);
    }
    const write = await shellA.run(`echo pwned > ${path.join(sandbox(b), 'workspace', 'mine.txt')}`);
    assert.notEqual(write.status, 0);
    // Only its own processes are visible, and B's runner cannot be signalled.
    const ps = await shellA.run('ls /proc | grep -c "^[0-9]"');
    assert.ok(Number(/(\d+)\s*\r?\n__done/.exec(ps.out)?.[1] ?? 99) < 20, ps.out);
    const [bProcess] = processesOfUid(uidOf(b));
    assert.ok(bProcess);
    assert.notEqual((await shellA.run(`kill -0 ${bProcess}`)).status, 0);
    // The runner's listening sockets (handed to it by the orchestrator) are not inherited by the shell.
    const fds = await shellA.run('ls -l /proc/$$/fd | grep -c socket');
    assert.match(fds.out, /^0\s*\r?\n__done/m, fds.out);
    assert.equal(fs.readFileSync(path.join(sandbox(b), 'workspace', 'mine.txt'), 'utf8'), 'private-to-b\n');
  });

  test('nothing on the host loopback answers: not the orchestrator, not the storage', async () => {
    for (const url of [`${h.url}/api/repls`, `${h.url}/api/repls/${b}/start`, `${h.s3Endpoint}/`]) {
      const r = await shellA.run(
        `node -e "fetch('${url}', { method: 'POST' }).then(r => console.log('REACHED', r.status), e => { console.log('blocked', e.cause?.code); process.exit(3) })"`,
      );
      assert.doesNotMatch(r.out, /REACHED \d/, url);
      assert.match(r.out, /blocked/, url);
    }
  });

  test("a port bound in one repl is its own: B's preview still shows B's app", async () => {
    const app = (who: string) =>
      `node -e "require('http').createServer((q, s) => s.end('app of ${who}')).listen(process.env.PORT, () => console.log('up-${who}'))" &`;
    await shellB.run(app('B'));
    await shellA.run(app('A'));
    await eventually(async () => /app of B/.test((await httpRequest(`${startB.previewUrl}/`)).text), 10_000, "B's app");
    await eventually(async () => /app of A/.test((await httpRequest(`${startA.previewUrl}/`)).text), 10_000, "A's app");
    assert.match((await httpRequest(`${startB.previewUrl}/`)).text, /app of B/);
  });

  test('a fork bomb stops at the process limit, the machine stays usable, and a stop ends it all', async () => {
    const id = await h.create('shell');
    const shell = await Shell.open(await h.connect(await h.start(id)));
    const uid = uidOf(id);
    // Bounded in time: the loop ends by itself after 8 s even if nothing stopped it.
    await shell.run(
      '(end=$((SECONDS+8)); bomb() { [ $SECONDS -lt $end ] && { bomb & bomb & wait; }; }; bomb) >/dev/null 2>&1 &',
    );
    let peak = 0;
    await eventually(
      async () => {
        peak = Math.max(peak, processesOfUid(uid).length);
        return peak >= PROCESS_LIMIT * 0.8;
      },
      10_000,
      'the bomb to reach the limit',
    );
    for (let i = 0; i < 20; i++) peak = Math.max(peak, processesOfUid(uid).length);
    assert.ok(peak <= PROCESS_LIMIT, `${peak} processes of the repl's user, limit ${PROCESS_LIMIT}`);
    assert.equal((await httpRequest(`${h.url}/readyz`)).status, 200);
    await h.api('POST', `/api/repls/${id}/stop`);
    assert.deepEqual(processesOfUid(uid), [], 'nothing of the stopped repl survives');
  });

  test('a run that eats memory is killed at the repl limit, and the IDE is told so in words', async (t) => {
    if (/rlimits only/.test(h.logs())) return t.skip('no writable cgroup on this host: no memory limit per repl');
    const id = await h.create('shell');
    const client = await h.connect(await h.start(id));
    const done = new Promise<RunRecord>((resolve) =>
      client.on('run:status', (r) => {
        if (r.status !== 'queued' && r.status !== 'running') resolve(r);
      }),
    );
    const hog = 'node -e "const a = []; for (;;) a.push(Buffer.alloc(1e7, 1))"';
    const started = await client.emitWithAck('run:start', { command: hog, timeoutSeconds: 60 });
    assert.ok(started.ok);
    const run = await done;
    assert.equal(run.status, 'failed');
    assert.match(run.outputTail, new RegExp(`ran out of memory \\(its limit is ${MEMORY_LIMIT_MB} MB\\)`));
    // The runner, a smaller process, was not the one killed: the repl still answers.
    assert.ok((await client.emitWithAck('fetchDir', { path: '' })).ok);
    client.disconnect();
    await h.api('POST', `/api/repls/${id}/stop`);
  });

  test('processes started to outlive the repl die with it; a symlink to the data folder is never followed', async () => {
    await shellA.run('setsid sleep 1000 & nohup sleep 1000 >/dev/null 2>&1 & disown -a');
    await shellA.run(`ln -s ${h.dataDir} pwn; ln -s / root-link`);
    const uid = uidOf(a);
    assert.ok(processesOfUid(uid).length >= 3);
    await h.api('POST', `/api/repls/${a}/stop`);
    assert.deepEqual(processesOfUid(uid), []);
    const again = await h.start(a);
    assert.equal(again.state, 'running');
    const secret = fs.statSync(path.join(h.dataDir, 'orchestrator.db')); // holds the signing keys
    assert.equal(secret.uid, 0, 'the database stays root-owned');
    assert.equal(secret.mode & 0o077, 0, 'and private');
    assert.equal(fs.statSync('/etc').uid, 0);
  });
});
