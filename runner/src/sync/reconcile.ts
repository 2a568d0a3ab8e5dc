import fs from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore, ObjectSummary } from '@cubicle/storage';
import { forEachLimit } from '@cubicle/storage';
import type { Logger } from '../log.js';
import { SYNC_CONCURRENCY } from '../tuning.js';
import { isDirName, pathOf } from './object-names.js';
import { downloadFile, md5OfFile } from './object-transfer.js';
import { planReconcile } from './reconcile-plan.js';
import type { SyncIgnore } from './sync-ignore.js';
import { dirBaseEntry, type SyncJournal } from './sync-journal.js';
import { scanWorkspace } from './workspace-scan.js';

export interface ReconcileOptions {
  store: ObjectStore;
  prefix: string;
  root: string;
  journal: SyncJournal;
  ignore: SyncIgnore;
  log: Logger;
}

/** Every object under the prefix, keyed by workspace name (ignored names left out). */
export async function listRemote(
  store: ObjectStore,
  prefix: string,
  ignore: SyncIgnore,
): Promise<Map<string, ObjectSummary>> {
  const remote = new Map<string, ObjectSummary>();
  for await (const o of store.list(prefix)) {
    const name = o.key.slice(prefix.length);
    if (name === '' || name.split('/').some((part, i, all) => part === '..' || (part === '' && i < all.length - 1)))
      continue;
    if (!ignore.ignoresName(name)) remote.set(name, o);
  }
  return remote;
}

/**
 * Brings disk and S3 into agreement at start-up by the rule in reconcile-plan.ts. Local-side work
 * (downloads, local deletes, conflict copies) is done here; what must go to S3 is returned as paths
 * for the sync queue, which journals and sends them before anything else.
 */
export async function reconcileWorkspace(opts: ReconcileOptions): Promise<{ pushed: string[] }> {
  const { store, prefix, root, journal, ignore, log } = opts;
  const remote = await listRemote(store, prefix, ignore);
  const local = await scanWorkspace(root, ignore);
  const actions = planReconcile({ local, remote, base: journal.base, isDirty: (n) => journal.isDirty(n) });
  const pushed: string[] = [];
  const push = (name: string): void => {
    pushed.push(pathOf(name));
  };
  const abs = (name: string) => path.join(root, name);

  // Files first, then directories deepest-first, so a directory is only removed once emptied.
  actions.sort((a, b) => Number(isDirName(a.name)) - Number(isDirName(b.name)) || b.name.length - a.name.length);
  await forEachLimit(actions, SYNC_CONCURRENCY, async ({ kind, name }) => {
    const R = remote.get(name);
    switch (kind) {
      case 'push':
      case 'delete-remote':
        return push(name);
      case 'forget':
        return journal.recordGone(name);
      case 'pull':
        if (isDirName(name)) {
          await fs.mkdir(abs(name), { recursive: true });
          return journal.recordSynced(name, dirBaseEntry(R?.etag ?? ''));
        }
        return journal.recordSynced(name, await downloadFile(store, prefix + name, abs(name)));
      case 'delete-local':
        if (isDirName(name)) {
          const removed = await fs.rmdir(abs(name)).then(
            () => true,
            () => false,
          );
          return removed ? journal.recordGone(name) : push(name);
        }
        await fs.rm(abs(name), { force: true });
        return journal.recordGone(name);
      case 'both-changed':
        return resolveBothChanged(opts, name, R, push);
    }
  });
  if (actions.length > 0) {
    const counts: Record<string, number> = {};
    for (const a of actions) counts[a.kind] = (counts[a.kind] ?? 0) + 1;
    log.info({ ...counts }, 'reconciled workspace with object storage');
  }
  return { pushed };
}

/** Same content → remember it; different → keep local at the name and the remote as a conflict copy. */
async function resolveBothChanged(
  { store, prefix, root, journal, log }: ReconcileOptions,
  name: string,
  R: ObjectSummary | undefined,
  push: (name: string) => void,
): Promise<void> {
  const abs = path.join(root, name);
  if (!R) return push(name);
  if (isDirName(name)) {
    return journal.recordSynced(name, dirBaseEntry(R.etag));
  }
  const [localSum, head, st] = await Promise.all([md5OfFile(abs), store.head(prefix + name), fs.stat(abs)]);
  const remoteSum = head?.meta.md5 ?? R.etag;
  if (localSum === remoteSum) {
    return journal.recordSynced(name, {
      etag: R.etag,
      md5: localSum,
      size: st.size,
      mtimeMs: st.mtimeMs,
      mode: st.mode & 0o7777,
    });
  }
  const copy = conflictName(name);
  await downloadFile(store, prefix + name, path.join(root, copy));
  log.warn({ path: name, remoteCopy: copy }, 'changed on both sides: local kept, remote saved as a conflict copy');
  push(copy);
  push(name);
}

/** `src/app.js` → `src/app (remote conflict 2026-11-21T10-00-00Z).js` */
export function conflictName(name: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
  const ext = path.posix.extname(name);
  const stem = ext && ext !== name ? name.slice(0, -ext.length) : name;
  return `${stem} (remote conflict ${stamp})${ext}`;
}
