import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './config.js';
import type { Logger } from './log.js';

/**
 * Started as root (a local machine, a CI box), the runner does not stay root: it hands the
 * directories it serves to the configured user (RUNNER_UID/RUNNER_GID, default 1000) and
 * drops to that user for good, before any client can connect, so shells and every file
 * operation run unprivileged. RUNNER_ALLOW_ROOT=1 opts out (logged as a warning). In the
 * container image the runner already starts as uid 1000 and nothing here happens.
 */
export async function dropPrivileges(
  runAs: { uid: number; gid: number } | null,
  dirs: string[],
  log: Logger,
): Promise<void> {
  if (!runAs) {
    if (process.getuid?.() === 0) log.warn('running as root because RUNNER_ALLOW_ROOT=1: shells run as root');
    return;
  }
  for (const dir of dirs) await chownTree(dir, runAs.uid, runAs.gid);
  process.setgroups?.([runAs.gid]);
  process.setgid?.(runAs.gid);
  process.setuid?.(runAs.uid);
  for (const dir of dirs) {
    try {
      await fs.access(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
    } catch {
      throw new ConfigError(
        `${dir} is not usable by uid ${runAs.uid} after dropping root: make its parent directories traversable (chmod o+x)`,
      );
    }
  }
  log.info({ uid: runAs.uid, gid: runAs.gid }, 'dropped root privileges');
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.lchown(dir, uid, gid);
  const entries = await fs.readdir(dir, { recursive: true });
  for (const rel of entries) await fs.lchown(path.join(dir, rel), uid, gid).catch(() => {});
}
