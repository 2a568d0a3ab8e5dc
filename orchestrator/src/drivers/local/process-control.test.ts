import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import {
  isAlive,
  killPidNamespace,
  pidNamespaceBelow,
  processesInPidNamespace,
  signalProcess,
  waitForPidExit,
} from './process-control.js';
import { systemMounts } from './sandbox-command.js';

const sandboxArgs = ['--unshare-all', ...systemMounts(), '--proc', '/proc', '--dev', '/dev'];
const bwrapWorks = spawnSync('bwrap', [...sandboxArgs, 'true']).status === 0;
const started: ChildProcess[] = [];
after(() => {
  for (const child of started) child.kill('SIGKILL');
});

test("killing a sandbox's PID namespace ends all in it (setsid, nohup, its orphaned init) and nothing outside it", {
  skip: !bwrapWorks && 'bubblewrap cannot make a sandbox here',
}, async () => {
  const outside = spawn('sleep', ['1000'], { stdio: 'ignore' }); // the same user, not in the sandbox
  const sandbox = spawn(
    'bwrap',
    [...sandboxArgs, 'sh', '-c', 'setsid sleep 1000 & nohup sleep 1001 >/dev/null 2>&1 & sleep 1002'],
    { stdio: 'ignore', detached: true },
  );
  started.push(outside, sandbox);
  const outer = sandbox.pid ?? -1;
  const ns = await eventually(
    () => {
      const found = pidNamespaceBelow(outer);
      return found !== null && processesInPidNamespace(found).length >= 5 && found; // init, sh, 3 sleeps
    },
    5_000,
    'the sandbox to start',
  );
  const members = processesInPidNamespace(ns);
  // Bubblewrap's outer process dying (a crash, a SIGKILL) leaves the namespace running.
  signalProcess(outer, 'SIGKILL');
  assert.ok(await waitForPidExit(outer, 5_000));
  assert.ok(processesInPidNamespace(ns).length >= 5);

  assert.equal(await killPidNamespace(ns, 5_000), true);
  assert.deepEqual(processesInPidNamespace(ns), []);
  for (const pid of members) assert.ok(await waitForPidExit(pid, 5_000), `pid ${pid} of the sandbox survives`);
  assert.ok(isAlive(outside.pid ?? -1), 'a process outside the sandbox was killed');
});
