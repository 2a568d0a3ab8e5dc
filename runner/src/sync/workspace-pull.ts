import fs from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '@cubicle/storage';
import { forEachLimit } from '@cubicle/storage';
import type { Logger } from '../log.js';
import { PULL_CONCURRENCY, PULL_PROGRESS_INTERVAL_MS } from '../tuning.js';
import { codePrefix, isDirName } from './object-names.js';
import { downloadFile } from './object-transfer.js';
import { listRemote } from './reconcile.js';
import { DEFAULT_SYNC_IGNORE, SyncIgnore } from './sync-ignore.js';
import { dirBaseEntry, matchesBase, SyncJournal } from './sync-journal.js';

export interface PullOptions {
  store: ObjectStore;
  replId: string;
  root: string;
  stateDir: string;
  log: Logger;
  /** A repl with no objects at all is normally a mistake (wrong id, never created). */
  allowEmpty?: boolean;
}

export interface PullResult {
  objects: number;
  downloaded: number;
  bytes: number;
  ms: number;
}

export class NothingToPullError extends Error {
  override readonly name = 'NothingToPullError';
}

/**
 * `runner pull`: makes WORKSPACE_DIR a copy of `code/<replId>/` — every page of the listing, many
 * downloads at once, modes and empty directories restored — and records what it fetched as the
 * sync base, so `runner serve` starts from a known agreement. Objects already on disk unchanged
 * are skipped (a restart of a local repl is fast); paths with pending local work (journal) are left
 * for serve to upload, never overwritten.
 */
export async function pullWorkspace(opts: PullOptions): Promise<PullResult> {
  const { store, replId, root, stateDir, log } = opts;
  const started = Date.now();
  const prefix = codePrefix(replId);
  await fs.mkdir(root, { recursive: true });
  const remote = await listRemote(store, prefix, new SyncIgnore(root, DEFAULT_SYNC_IGNORE));
  if (remote.size === 0 && !opts.allowEmpty) {
    throw new NothingToPullError(`nothing at s3://${store.bucket}/${prefix} (is the repl id right? was it created?)`);
  }
  const journal = SyncJournal.open(stateDir);
  let done = 0;
  let downloaded = 0;
  let bytes = 0;
  let lastReport = Date.now();
  const report = (final: boolean) => {
    if (!final && Date.now() - lastReport < PULL_PROGRESS_INTERVAL_MS) return;
    lastReport = Date.now();
    log.info({ done, total: remote.size, downloaded, bytes }, final ? 'pull finished' : 'pull progress');
  };
  try {
    const names = [...remote.keys()].sort(); // parents before children, so directories exist first
    await forEachLimit(names, PULL_CONCURRENCY, async (name) => {
      const R = remote.get(name);
      const abs = path.join(root, name);
      if (R && !journal.isDirty(name)) {
        if (isDirName(name)) {
          await fs.mkdir(abs, { recursive: true });
          if (!journal.base.has(name)) journal.recordSynced(name, dirBaseEntry(R.etag));
        } else if (!(await unchangedOnDisk(journal, name, R.etag, abs))) {
          journal.recordSynced(name, await downloadFile(store, R.key, abs));
          downloaded++;
          bytes += R.size;
        }
      }
      done++;
      report(false);
    });
    // Names this workspace synced before that are gone from S3 now were deleted elsewhere.
    for (const name of [...journal.base.keys()].filter((n) => !remote.has(n) && !journal.isDirty(n))) {
      const abs = path.join(root, name);
      if (isDirName(name)) await fs.rmdir(abs).catch(() => {});
      else await fs.rm(abs, { force: true });
      journal.recordGone(name);
    }
  } finally {
    journal.close();
  }
  report(true);
  return { objects: remote.size, downloaded, bytes, ms: Date.now() - started };
}

async function unchangedOnDisk(journal: SyncJournal, name: string, etag: string, abs: string): Promise<boolean> {
  const b = journal.base.get(name);
  if (!b || b.etag !== etag) return false;
  const st = await fs.stat(abs).catch(() => null);
  return !!st && matchesBase(b, st);
}
