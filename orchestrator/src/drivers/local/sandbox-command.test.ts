import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { describe, test } from 'node:test';
import { sandboxArgs, seccompFd, sendSeccompFilter, systemMounts } from './sandbox-command.js';

const bwrapWorks =
  spawnSync('bwrap', ['--unshare-all', ...systemMounts(), '--proc', '/proc', 'true'], { stdio: 'ignore' }).status === 0;
const has = (program: string) => fs.existsSync(program);

/**
 * Runs a bash script in a bubblewrap sandbox under the filter, fed exactly as the local driver
 * feeds it (a pipe in its stdio, after two descriptors handed over as the runner's are).
 */
async function inFilteredSandbox(script: string): Promise<{ status: number | null; out: string }> {
  const fd = seccompFd(2);
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--seccomp',
    String(fd),
    '--cap-drop',
    'ALL',
    ...systemMounts(),
    '--ro-bind',
    '/etc',
    '/etc',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--setenv',
    'HOME',
    '/tmp',
    '--chdir',
    '/tmp',
    '--',
    '/bin/bash',
    '-c',
    script,
  ];
  const child = spawn('bwrap', args, { stdio: ['ignore', 'pipe', 'pipe', 'ignore', 'ignore', 'pipe'] });
  sendSeccompFilter(child, fd);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const [status] = (await once(child, 'exit')) as [number | null];
  return { status, out };
}

const PYTHON_CALLS = `
import ctypes, errno, os, platform
libc = ctypes.CDLL(None, use_errno=True)
nr = {'x86_64': dict(keyctl=250, clone3=435, io_uring_setup=425, bpf=321),
      'aarch64': dict(keyctl=219, clone3=435, io_uring_setup=425, bpf=280)}[platform.machine()]
for name, args in [('keyctl', (0, -3, 0)), ('clone3', (0, 0)), ('io_uring_setup', (1, 0)), ('bpf', (999, 0, 0))]:
    r = libc.syscall(ctypes.c_long(nr[name]), *[ctypes.c_long(a) for a in args])
    print('CALL %s=%s' % (name, 'ok' if r >= 0 else errno.errorcode[ctypes.get_errno()]))
`;

describe('the bubblewrap command line', () => {
  test('asks for the seccomp filter on its descriptor, after the ones handed to the runner', () => {
    assert.equal(seccompFd(0), 3, 'runner pull: nothing handed over');
    assert.equal(seccompFd(2), 5, 'runner serve: LISTEN_FD 3, APP_LISTEN_FD 4');
    const args = sandboxArgs({
      replId: 'r1',
      uid: 1000,
      gid: 1000,
      workspace: '/w',
      state: '/s',
      storage: '/st',
      keys: '/k',
      memoryEvents: null,
      passwd: '/p',
      group: '/g',
      code: [],
      hidden: [],
      seccompFd: 5,
    });
    const at = args.indexOf('--seccomp');
    assert.equal(args[at + 1], '5');
    assert.ok(args.includes('--unshare-user'), '--disable-userns needs it asked for outright');
  });

  test('inside, a user namespace and the refused calls fail; a shell, node, git and a pty work', {
    skip: !bwrapWorks && 'bubblewrap does not run here',
  }, async () => {
    const steps = [
      'unshare -U -r true 2>&1; echo "unshare=$?"',
      `node -e "require('child_process').execFileSync('true'); new (require('worker_threads').Worker)('0', { eval: true }).on('exit', (c) => console.log('node=' + c))"`,
      'git init -q repo && git -C repo -c user.name=a -c user.email=a@b commit -q --allow-empty -m x && echo "git=$?"',
      '(sleep 0.1; echo "job=0") & wait',
    ];
    if (has('/usr/bin/python3')) {
      steps.push(`/usr/bin/python3 -c "${PYTHON_CALLS.replaceAll('"', '\\"')}"`);
      steps.push(`/usr/bin/python3 -c "import pty; pty.spawn(['sh', '-c', 'tty | sed s/^/pty=/'])"`);
    }
    if (has('/usr/bin/strace')) steps.push('strace -f -o /dev/null true && echo "strace=0"');
    const { status, out } = await inFilteredSandbox(steps.join('\n'));
    assert.equal(status, 0, out);
    assert.match(out, /Operation not permitted/);
    assert.match(out, /^unshare=1$/m, out);
    assert.match(out, /^node=0$/m, out);
    assert.match(out, /^git=0$/m, out);
    assert.match(out, /^job=0$/m, out);
    if (has('/usr/bin/python3')) {
      for (const line of ['CALL keyctl=EPERM', 'CALL clone3=ENOSYS', 'CALL io_uring_setup=EPERM', 'CALL bpf=EPERM'])
        assert.match(out, new RegExp(`^${line}$`, 'm'), out);
      assert.match(out, /^pty=\/dev\/pts\/\d+\r?$/m, out);
    }
    if (has('/usr/bin/strace')) assert.match(out, /^strace=0$/m, 'ptrace of its own processes works');
  });

  test('without the filter the same sandbox would allow a user namespace (the test sees the difference)', {
    skip: !bwrapWorks && 'bubblewrap does not run here',
  }, () => {
    const r = spawnSync(
      'bwrap',
      ['--unshare-all', ...systemMounts(), '--proc', '/proc', 'unshare', '-U', '-r', 'true'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
  });
});
