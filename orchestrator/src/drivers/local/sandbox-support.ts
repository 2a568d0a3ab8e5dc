import { spawnSync } from 'node:child_process';
import type { Logger } from '../../log.js';
import { systemMounts } from './sandbox-command.js';

export type Isolation = 'bwrap' | 'none';

/**
 * Whether bubblewrap can make a sandbox here (installed; user namespaces allowed), tried once at
 * start as the user id a repl would get. `auto` falls back to no isolation with one warning line;
 * `bwrap` insists. What is then not isolated is in docs/security.md.
 */
export function detectIsolation(requested: 'auto' | Isolation, probeUid: number | null, log: Logger): Isolation {
  if (requested === 'none') {
    log.warn('SANDBOX=none: repls run as plain processes, NOT isolated from each other or from this machine');
    return 'none';
  }
  const probe = spawnSync('bwrap', ['--unshare-all', ...systemMounts(), '--proc', '/proc', 'true'], {
    timeout: 10_000,
    encoding: 'utf8',
    ...(probeUid !== null ? { uid: probeUid, gid: probeUid } : {}),
  });
  if (probe.status === 0) {
    log.info(
      { perReplUid: probeUid !== null },
      probeUid !== null
        ? 'sandbox: bubblewrap, a user id per repl, own PID and network namespaces'
        : 'sandbox: bubblewrap, own PID and network namespaces; every repl shares this user id (not root)',
    );
    return 'bwrap';
  }
  const why = probe.error
    ? `bwrap is not installed (${probe.error.message})`
    : (probe.stderr || '').trim().split('\n')[0];
  if (requested === 'bwrap') throw new Error(`SANDBOX=bwrap but no sandbox can be made here: ${why}`);
  log.warn(
    `sandbox: none (${why}): repls are NOT isolated from each other or from this machine; install bubblewrap (apt-get install bubblewrap) and allow user namespaces`,
  );
  return 'none';
}
