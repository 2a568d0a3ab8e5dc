import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { after, test } from 'node:test';
import { eventually } from '@cubicle/runner/test-support/runner-harness';
import { pino } from 'pino';
import { isAlive, waitForPidExit } from './process-control.js';
import { SandboxLimits } from './sandbox-limits.js';

const LIMITS = { memoryBytes: 0, processes: 64, cpuWeight: 100, openFiles: 1024 };
const log = pino({ level: 'silent' });
const started: ChildProcess[] = [];
const made: SandboxLimits[] = [];
const REPL_ID = 'rkilltest0001';
after(async () => {
  for (const child of started) child.kill('SIGKILL');
  for (const limits of made) {
    await limits.killAll(REPL_ID, 5_000);
    limits.release(REPL_ID);
    limits.close(); // the test installations' folders go too
  }
});

/** A process tree in the repl's cgroups, as the local driver starts one (setsid'd child included). */
function startIn(procs: string[]): ChildProcess {
  const child = spawn(
    '/bin/sh',
    ['-c', 'for f; do echo $$ > "$f"; done; exec sh -c "setsid sleep 1000 & sleep 1000"', 'sh', ...procs],
    { stdio: 'ignore' },
  );
  started.push(child);
  return child;
}

test("a repl's cgroup kill ends what is in it, and not another installation's repl of the same id", async (t) => {
  const mine = SandboxLimits.detect(LIMITS, `installation-test-a${process.pid}`, log);
  const theirs = SandboxLimits.detect(LIMITS, `installation-test-b${process.pid}`, log);
  made.push(mine, theirs);
  const replId = REPL_ID;
  const [procsMine, procsTheirs] = [mine.prepare(replId), theirs.prepare(replId)];
  if (procsMine.length === 0) return t.skip('no writable cgroup here (not root, or none delegated)');
  assert.notDeepEqual(procsMine, procsTheirs, 'two installations share a cgroup');

  startIn(procsMine);
  startIn(procsTheirs);
  const members = (procs: string[]) =>
    fs
      .readFileSync(procs[0] ?? '', 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  await eventually(() => members(procsMine).length >= 2 && members(procsTheirs).length >= 2, 5_000, 'both trees');
  const mineBefore = members(procsMine);

  assert.equal(await mine.killAll(replId, 5_000), true);
  for (const pid of mineBefore) assert.ok(await waitForPidExit(pid, 5_000), `pid ${pid} survives`);
  for (const pid of members(procsTheirs)) assert.ok(isAlive(pid), "the other installation's repl was killed");

  assert.equal(await theirs.killAll(replId, 5_000), true);
  await eventually(() => members(procsTheirs).length === 0, 5_000, 'the second tree to end');
});
