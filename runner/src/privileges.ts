import { constants as fsConstants, type Stats } from 'node:fs';
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

/**
 * Hands a tree to uid:gid without following a single symlink: a workspace is the user's, and a
 * link in it may point anywhere (`ln -s / pwn`), so only the links themselves change owner and
 * only real directories are entered. Each directory is opened with O_NOFOLLOW and must still be
 * the inode that was listed, so one swapped for a link mid-walk is skipped, not followed.
 */
export async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  const top = await fs.lstat(dir);
  if (!top.isDirectory()) throw new ConfigError(`${dir} must be a directory, not a link or a file`);
  await fs.lchown(dir, uid, gid);
  await chownEntries(dir, top, uid, gid);
}

async function chownEntries(dir: string, expected: Stats, uid: number, gid: number): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
  } catch {
    return; // became a link or vanished since it was listed
  }
  try {
    const now = await handle.stat();
    if (now.ino !== expected.ino || now.dev !== expected.dev) return;
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const child = path.join(dir, entry.name);
      await fs.lchown(child, uid, gid).catch(() => {});
      if (!entry.isDirectory()) continue; // a symlink to a directory is not a directory here
      const st = await fs.lstat(child).catch(() => null);
      if (st?.isDirectory()) await chownEntries(child, st, uid, gid);
    }
  } finally {
    await handle.close();
  }
}
