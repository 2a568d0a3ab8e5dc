import { type ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SandboxError } from '../sandbox-driver.js';
import { hostSeccompArch, seccompProgram } from './seccomp-filter.js';

/** The key-set file's name in SANDBOX_PATHS.keys (and in the host folder behind it). */
export const RUNNER_KEYS_FILE_NAME = 'jwks.json';

/** Where things are inside every local sandbox (the same paths as in a repl pod where one exists). */
export const SANDBOX_PATHS = {
  workspace: '/workspace',
  state: '/var/lib/cubicle',
  /** The storage broker's socket folder, read-only inside. */
  storage: '/run/cubicle',
  /** The orchestrator's public runner-token keys (a folder, so a replaced file shows), read-only. */
  keys: '/run/cubicle-keys',
  /** The repl's cgroup out-of-memory counter, read-only inside (when it has a memory limit). */
  memoryEvents: '/run/memory-events',
} as const;

export interface SandboxMounts {
  replId: string;
  uid: number;
  gid: number;
  /** Host folders bound read-write at SANDBOX_PATHS.workspace and .state. */
  workspace: string;
  state: string;
  /** Host folder bound read-only at SANDBOX_PATHS.storage. */
  storage: string;
  /** Host folder of the public key set, bound read-only at SANDBOX_PATHS.keys. */
  keys: string;
  /** Host file bound read-only at SANDBOX_PATHS.memoryEvents, if any. */
  memoryEvents: string | null;
  /** passwd and group files naming the sandbox's user. */
  passwd: string;
  group: string;
  /** Read-only code the runner needs (the installed workspace, the Node runtime). */
  code: string[];
  /** Host folders hidden behind an empty tmpfs even when a code path contains them (DATA_DIR). */
  hidden: string[];
  /** The descriptor bubblewrap reads the seccomp filter from (seccompFd; fed by sendSeccompFilter). */
  seccompFd: number;
}

/**
 * The bubblewrap command line of a local sandbox (docs/security.md, "Local sandboxes"): a
 * root of its own with the system read-only, only this repl's folders writable, new user, PID,
 * network, IPC, UTS and cgroup namespaces, no capabilities. Its PID namespace dies with its
 * runner, taking every process the repl started with it (and not with the orchestrator, so a
 * restarted orchestrator can adopt it: hence no --die-with-parent); its network has only a loopback of
 * its own, so nothing on the host's loopback (storage, orchestrator, other repls) is reachable.
 * Its system calls pass the seccomp filter (seccomp-filter.ts), which refuses new user namespaces;
 * where bubblewrap can (0.8 and later) the kernel's user-namespace limit inside is also set to
 * none left, so a way around the filter would still find no namespace to make.
 */
export function sandboxArgs(m: SandboxMounts): string[] {
  sandboxSeccompProgram(); // a host with no filter fails here, before anything is started
  const args = [
    '--unshare-all',
    // --disable-userns needs the user namespace asked for outright (--unshare-all only tries).
    '--unshare-user',
    ...(bwrapAccepts('--disable-userns') ? ['--disable-userns'] : []),
    '--seccomp',
    String(m.seccompFd),
    '--cap-drop',
    'ALL',
    '--uid',
    String(m.uid),
    '--gid',
    String(m.gid),
    '--hostname',
    `repl-${m.replId}`,
    ...systemMounts(),
  ];
  args.push('--ro-bind', '/etc', '/etc', '--ro-bind', m.passwd, '/etc/passwd', '--ro-bind', m.group, '/etc/group');
  // The private /tmp and /run first: code installed under /tmp (a clone there) is bound on top of them.
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', '--tmpfs', '/run');
  for (const dir of m.code) if (!isInside(dir, '/usr')) args.push('--ro-bind', dir, dir);
  for (const dir of m.hidden) if (m.code.some((c) => isInside(dir, c))) args.push('--tmpfs', dir);
  args.push(
    '--bind',
    m.workspace,
    SANDBOX_PATHS.workspace,
    '--bind',
    m.state,
    SANDBOX_PATHS.state,
    '--ro-bind',
    m.storage,
    SANDBOX_PATHS.storage,
  );
  args.push('--ro-bind', m.keys, SANDBOX_PATHS.keys);
  if (m.memoryEvents) args.push('--ro-bind', m.memoryEvents, SANDBOX_PATHS.memoryEvents);
  args.push('--chdir', SANDBOX_PATHS.workspace);
  return args;
}

/**
 * The descriptor of the seccomp filter's pipe in a sandbox's stdio: the first after the ones
 * handed to the runner (LISTEN_FD 3, APP_LISTEN_FD 4), so their numbers stay what they are.
 */
export function seccompFd(handedFds: number): number {
  return 3 + handedFds;
}

/** The filter for this machine, made once; a host we have no system call table for gets no sandbox. */
let program: Buffer | null = null;
function sandboxSeccompProgram(): Buffer {
  const arch = hostSeccompArch();
  if (!arch)
    throw new SandboxError(`no seccomp filter for ${process.arch}: bubblewrap sandboxes run on x86_64 and aarch64`);
  program ??= seccompProgram(arch);
  return program;
}

/**
 * Writes the filter into the pipe a just-started bubblewrap reads with `--seccomp` (a 'pipe' at
 * index `fd` of its stdio). The filter is about a kilobyte, well inside a pipe's buffer, so
 * nothing waits for bubblewrap; if it never reads (it died first), its start fails on its own
 * and the broken pipe is not an error of ours.
 */
export function sendSeccompFilter(child: ChildProcess, fd: number): void {
  const pipe = child.stdio[fd];
  if (!(pipe instanceof Writable))
    throw new SandboxError(`the sandbox has no pipe at descriptor ${fd} for its seccomp filter`);
  pipe.on('error', () => {});
  pipe.end(sandboxSeccompProgram());
}

/** Whether the installed bubblewrap takes an option (asked once: `bwrap --help` lists them all). */
const accepted = new Map<string, boolean>();
function bwrapAccepts(option: string): boolean {
  let known = accepted.get(option);
  if (known === undefined) {
    const help = spawnSync('bwrap', ['--help'], { encoding: 'utf8' });
    known = `${help.stdout ?? ''}`.split(/\s+/).includes(option);
    accepted.set(option, known);
  }
  return known;
}

/** The system's programs and libraries, read-only: /usr and the top-level links or folders beside it. */
export function systemMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    const st = fs.lstatSync(top, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(top), top);
    else if (st?.isDirectory()) args.push('--ro-bind', top, top);
  }
  return args;
}

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
