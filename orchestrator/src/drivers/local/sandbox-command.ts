import fs from 'node:fs';
import path from 'node:path';

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
}

/**
 * The bubblewrap command line of a local sandbox (docs/security.md, "Local sandboxes"): a
 * root of its own with the system read-only, only this repl's folders writable, new user, PID,
 * network, IPC, UTS and cgroup namespaces, no capabilities. Its PID namespace dies with its
 * runner, taking every process the repl started with it (and not with the orchestrator, so a
 * restarted orchestrator can adopt it: hence no --die-with-parent); its network has only a loopback of
 * its own, so nothing on the host's loopback (storage, orchestrator, other repls) is reachable.
 */
export function sandboxArgs(m: SandboxMounts): string[] {
  const args = [
    '--unshare-all',
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
