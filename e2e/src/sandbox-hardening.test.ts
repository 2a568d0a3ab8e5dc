import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type OrchestratorHarness,
  startOrchestratorHarness,
} from '@cubicle/orchestrator/test-support/orchestrator-harness';
import type { RunnerClient } from '@cubicle/runner/test-support/runner-harness';
import { Shell } from './support/shell.js';
import { plainText, probeResults, SYSCALL_PROBE } from './support/syscall-probe.js';

const asRoot = process.getuid?.() === 0;
/** Written through the runner's file API: typed into the shell, a heredoc would meet its line editor. */
const PROBE = '/workspace/probe.py';
/** bash's status for a process killed by SIGSYS (128 + 31): what a seccomp kill looks like. */
const KILLED_BY_SECCOMP = 159;

/**
 * The attacker's first steps from a repl's shell, each refused by the sandbox (docs/security.md,
 * "Local sandboxes"): a user namespace of its own (root in it is the usual start of a kernel
 * exploit), the kernel interfaces a repl never needs, other ABIs that would dodge the filter, and
 * the runner's own process (its environment, descriptors and memory). Normal work still works.
 */
describe('from a shell in a repl, the kernel is out of reach and the runner is sealed', {
  skip: !asRoot && 'needs root: a user id per repl',
}, () => {
  let h: OrchestratorHarness;
  let client: RunnerClient;
  let shell: Shell;
  let runnerPid = 0;

  before(async () => {
    h = await startOrchestratorHarness({ SANDBOX: 'bwrap' });
    const id = await h.create('node');
    client = await h.connect(await h.start(id));
    shell = await Shell.open(client);
    assert.ok((await client.emitWithAck('updateContent', { path: 'probe.py', content: SYSCALL_PROBE })).ok);
    const ppid = await shell.run('echo "ppid=$PPID"; tr "\\0" " " < /proc/$PPID/cmdline; echo');
    runnerPid = Number(/^ppid=(\d+)/m.exec(plainText(ppid.out))?.[1]);
    assert.match(plainText(ppid.out), /runner\S* serve/, "the shell's parent is the runner");
  });
  after(async () => {
    client?.disconnect();
    await h?.close();
  });

  test('no user namespace: unshare(1) and every clone flavour are refused', async () => {
    const unshare = await shell.run('unshare -U -r id -u');
    assert.notEqual(unshare.status, 0, unshare.out);
    assert.match(unshare.out, /Operation not permitted/);
    assert.doesNotMatch(plainText(unshare.out), /^0$/m, 'root in a namespace of its own');
    const viaNode = await shell.run(
      `node -e "const r = require('child_process').spawnSync('unshare', ['--user', '--map-root-user', 'true']); console.log('exit=' + r.status)"`,
    );
    assert.match(plainText(viaNode.out), /^exit=1$/m, viaNode.out);
    const results = probeResults((await shell.run(`python3 ${PROBE} calls`)).out);
    assert.equal(results.get('unshare_user'), 'EPERM');
    assert.equal(results.get('clone_user'), 'EPERM');
    // ENOSYS, not EPERM: glibc then falls back to clone(2), whose flags the filter can read.
    assert.equal(results.get('clone3'), 'ENOSYS');
    assert.equal(results.get('setns'), 'EPERM');
  });

  test('keys, bpf, userfaultfd, perf events, io_uring, mount and vsock are refused with EPERM', async () => {
    const results = probeResults((await shell.run(`python3 ${PROBE} calls`)).out);
    for (const name of [
      'keyctl',
      'add_key',
      'request_key',
      'bpf',
      'userfaultfd',
      'perf_event_open',
      'io_uring_setup',
      'mount',
      'socket_vsock',
      'personality_no_aslr',
    ]) {
      assert.equal(results.get(name), 'EPERM', `${name}: ${results.get(name)}`);
    }
    assert.equal(results.get('personality_query'), 'ok', 'asking for the personality still works');
  });

  test('a system call through another ABI (x32, int 0x80) kills the process', async (t) => {
    if (process.arch !== 'x64') return t.skip('x86_64 only');
    for (const mode of ['x32', 'int80']) {
      const r = await shell.run(`python3 ${PROBE} ${mode}`);
      assert.equal(r.status, KILLED_BY_SECCOMP, `${mode}: ${r.out}`);
      assert.equal(probeResults(r.out).size, 0, r.out);
    }
  });

  test("the runner's environment, descriptors and memory are not readable, nor can it be traced", async () => {
    for (const cmd of [
      `cat /proc/${runnerPid}/environ`,
      `ls -l /proc/${runnerPid}/fd`,
      `readlink /proc/${runnerPid}/fd/1`,
      `head -c 1 /proc/${runnerPid}/mem`,
      `cat /proc/${runnerPid}/maps`,
    ]) {
      const r = await shell.run(cmd);
      assert.notEqual(r.status, 0, `${cmd}:\n${r.out}`);
      assert.doesNotMatch(r.out, /sandboxes|runner\.log|socket:|REPL_ID=/, cmd);
    }
    const traced = probeResults((await shell.run(`python3 ${PROBE} ptrace ${runnerPid}`)).out);
    assert.equal(traced.get(`ptrace_${runnerPid}`), 'EPERM');
    // The shell's own processes stay ordinary: readable and traceable (gdb and strace work).
    const own = await shell.run(
      // Once the child has become sleep (between fork and exec its environ can read as empty).
      `sleep 30 & pid=$!; until grep -qa sleep /proc/$pid/cmdline; do :; done; grep -c . /proc/$pid/environ >/dev/null && ls /proc/$pid/fd >/dev/null && python3 ${PROBE} ptrace $pid; kill $pid`,
    );
    assert.equal(own.status, 0, own.out);
    assert.match(plainText(own.out), /^RESULT ptrace_\d+=ok$/m, own.out);
  });

  test('normal work still works: node, npm, git, python, a background job, a pty', async () => {
    const checks: [string, RegExp][] = [
      [
        `node -e "const cp = require('child_process'); cp.execFileSync('true'); new (require('worker_threads').Worker)('process.exit(0)', { eval: true }).on('exit', (c) => console.log('node-ok=' + c))"`,
        /^node-ok=0$/m,
      ],
      ['npm --version', /^\d+\.\d+\.\d+$/m],
      [
        'rm -rf /tmp/g && git init -q /tmp/g && git -C /tmp/g -c user.name=a -c user.email=a@b commit -q --allow-empty -m one && git -C /tmp/g log --oneline | wc -l',
        /^1$/m,
      ],
      [`python3 -c "import pty; pty.spawn(['sh', '-c', 'tty'])"`, /^\/dev\/pts\/\d+$/m],
      ['(sleep 0.1; echo bg-ok) & wait $!', /^bg-ok$/m],
      ['tty', /^\/dev\/pts\/\d+$/m],
    ];
    for (const [cmd, expected] of checks) {
      const r = await shell.run(cmd, 30_000);
      assert.equal(r.status, 0, `${cmd}:\n${r.out}`);
      assert.match(plainText(r.out), expected, cmd);
    }
  });
});
