import fs from 'node:fs/promises';
import path from 'node:path';
import { NOT_SYNCED_LISTED, type SyncStatusPush } from '@cubicle/protocol';
import { type ObjectStore, StorageError } from '@cubicle/storage';
import type { Logger } from '../log.js';
import {
  SYNC_BACKOFF_MAX_MS,
  SYNC_BACKOFF_MIN_MS,
  SYNC_CONCURRENCY,
  SYNC_DEBOUNCE_MS,
  SYNC_MAX_DELAY_MS,
  SYNC_STATUS_THROTTLE_MS,
} from '../tuning.js';
import { checkStorableKey, notStorableReason } from './not-synced.js';
import { codePrefix, dirName, isDirName, isSameOrUnder, pathOf } from './object-names.js';
import { uploadDirMarker, uploadFile } from './object-transfer.js';
import { reconcileWorkspace } from './reconcile.js';
import type { SyncIgnore } from './sync-ignore.js';
import { matchesBase, type SyncJournal } from './sync-journal.js';
import { scanWorkspace } from './workspace-scan.js';

export interface WorkspaceSyncOptions {
  store: ObjectStore;
  replId: string;
  root: string;
  journal: SyncJournal;
  ignore: SyncIgnore;
  log: Logger;
  onStatus: (status: SyncStatusPush) => void;
}

interface Pending {
  firstAt: number;
  lastAt: number;
}

/**
 * Keeps S3 equal to the workspace (docs/architecture.md, "Durability promise"). Each changed path is recorded
 * in the journal first, then uploaded (or deleted) once it has been quiet for the debounce window,
 * several at a time, retried with backoff while the store is down. A task always makes S3 match
 * what is on disk *now* for its path, so coalescing, reordering and retries are all safe.
 */
export class WorkspaceSync {
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<string>();
  private readonly changedInFlight = new Set<string>();
  /** Paths storage refused for good (path → why), until they change again. */
  private readonly notSynced = new Map<string, string>();
  private readonly prefix: string;
  private timer: NodeJS.Timeout | null = null;
  private flushing = 0;
  private idleWaiters: (() => void)[] = [];
  private backoffMs = 0;
  private retryAt = 0;
  private offline = false;
  private started = false;
  private stopped = false;
  private lastSyncedAt: number | null = null;
  private lastStatus: SyncStatusPush | null = null;
  private lastStatusAt = 0;
  private statusTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: WorkspaceSyncOptions) {
    this.prefix = codePrefix(opts.replId);
  }

  /**
   * Finishes the journal's pending work and reconciles disk with S3 (see reconcile.ts), retrying
   * while the store is unreachable. Resolves once both sides agree.
   */
  async start(): Promise<void> {
    const { journal, log } = this.opts;
    for (;;) {
      try {
        const { pushed } = await reconcileWorkspace({ ...this.opts, prefix: this.prefix });
        for (const rel of [...journal.dirty, ...pushed]) this.enqueue(rel, true);
        break;
      } catch (err) {
        if (this.stopped) return;
        // A missing bucket or refused keys will not fix themselves: fail the start, clearly.
        if (err instanceof StorageError && !err.retryable) throw err;
        this.failed(err, 'reconcile');
        await new Promise((r) => setTimeout(r, Math.max(0, this.retryAt - Date.now())));
      }
    }
    this.started = true;
    log.info({ pending: this.pendingCount }, 'sync started');
    this.pump();
    await this.flush(Number.POSITIVE_INFINITY);
  }

  /**
   * Records that `rel` changed locally. Journaled synchronously, so a change acknowledged after this
   * call survives a crash of the runner.
   */
  touch(rel: string): void {
    if (rel === '' || this.stopped) return;
    this.opts.journal.markDirty(rel);
    this.enqueue(rel, false);
  }

  /**
   * Compares the whole disk with the base and queues every difference: the safety net for changes
   * the watcher never reported (run before the final flush of a shutdown).
   */
  async rescan(): Promise<void> {
    const { root, ignore, journal } = this.opts;
    const local = await scanWorkspace(root, ignore);
    for (const [name, L] of local) {
      const b = journal.base.get(name);
      const differs = isDirName(name) ? !b : !matchesBase(b, L);
      if (differs) this.touch(pathOf(name));
    }
    for (const name of journal.base.keys()) if (!local.has(name)) this.touch(pathOf(name));
  }

  get pendingCount(): number {
    let n = this.inFlight.size;
    for (const rel of this.pending.keys()) if (!this.inFlight.has(rel)) n++;
    return n;
  }

  status(): SyncStatusPush {
    const pending = this.pendingCount;
    const state = this.offline ? 'offline' : pending > 0 || !this.started ? 'pending' : 'synced';
    const notSynced = [...this.notSynced].slice(0, NOT_SYNCED_LISTED).map(([path, reason]) => ({ path, reason }));
    return { state, pending, lastSyncedAt: this.lastSyncedAt, notSynced, notSyncedCount: this.notSynced.size };
  }

  /** Names with work still pending (for the shutdown log). */
  pendingPaths(): string[] {
    return [...new Set([...this.inFlight, ...this.pending.keys()])];
  }

  /** Sends everything now, ignoring the debounce; true once nothing is pending, false on timeout. */
  async flush(timeoutMs: number): Promise<boolean> {
    this.flushing++;
    try {
      this.pump();
      if (this.isIdle()) return true;
      return await new Promise<boolean>((resolve) => {
        const timer = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(false), timeoutMs) : null;
        this.idleWaiters.push(() => {
          if (timer) clearTimeout(timer);
          resolve(true);
        });
      });
    } finally {
      this.flushing--;
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.timer = null;
    this.statusTimer = null;
  }

  private isIdle(): boolean {
    return this.started && this.pending.size === 0 && this.inFlight.size === 0;
  }

  private enqueue(rel: string, now: boolean): void {
    const t = Date.now();
    if (this.inFlight.has(rel)) this.changedInFlight.add(rel);
    const p = this.pending.get(rel);
    if (p) p.lastAt = now ? 0 : t;
    else this.pending.set(rel, { firstAt: now ? 0 : t, lastAt: now ? 0 : t });
    this.pump();
  }

  /** Starts every due task the concurrency allows and arms the timer for the next one. */
  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || !this.started) {
      this.emitStatus();
      return;
    }
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    if (now < this.retryAt) next = this.retryAt;
    else {
      for (const [rel, p] of this.pending) {
        if (this.inFlight.size >= SYNC_CONCURRENCY) break;
        if (this.inFlight.has(rel)) continue;
        const due = this.flushing > 0 ? 0 : Math.min(p.lastAt + SYNC_DEBOUNCE_MS, p.firstAt + SYNC_MAX_DELAY_MS);
        if (due > now) {
          next = Math.min(next, due);
          continue;
        }
        if (this.overlapsInFlight(rel)) continue; // runs when the overlapping task ends
        this.pending.delete(rel);
        this.run(rel);
      }
    }
    if (Number.isFinite(next)) this.timer = setTimeout(() => this.pump(), Math.max(1, next - now));
    this.emitStatus();
    if (this.isIdle()) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** A directory task and a task under it must not interleave their S3 calls and journal records. */
  private overlapsInFlight(rel: string): boolean {
    for (const other of this.inFlight) if (isSameOrUnder(rel, other) || isSameOrUnder(other, rel)) return true;
    return false;
  }

  private run(rel: string): void {
    this.inFlight.add(rel);
    this.syncPath(rel).then(
      () => {
        this.inFlight.delete(rel);
        if (this.changedInFlight.delete(rel)) {
          if (!this.pending.has(rel)) this.pending.set(rel, { firstAt: 0, lastAt: 0 });
        } else if (!this.pending.has(rel)) this.opts.journal.recordClean(rel);
        this.notSynced.delete(rel);
        this.succeeded();
        this.pump();
      },
      (err: unknown) => {
        this.inFlight.delete(rel);
        const changed = this.changedInFlight.delete(rel);
        const refused = notStorableReason(err);
        if (refused && !changed) {
          // Retrying the same name cannot help: say so, keep it dirty in the journal, and wait for a change.
          if (!this.notSynced.has(rel))
            this.opts.log.warn({ path: rel, why: refused }, 'not synced: storage refused it');
          this.notSynced.set(rel, refused);
        } else {
          if (!this.pending.has(rel)) this.pending.set(rel, { firstAt: 0, lastAt: 0 });
          if (!refused) this.failed(err, rel);
        }
        this.pump();
      },
    );
  }

  /** Makes S3 match the disk for `rel` and everything the base knows under it. */
  private async syncPath(rel: string): Promise<void> {
    const { root, store, journal, ignore } = this.opts;
    const abs = path.join(root, rel);
    const st = await fs.lstat(abs).catch(() => null);
    if (st?.isFile() && !ignore.ignores(rel, false)) {
      if (!matchesBase(journal.base.get(rel), st)) {
        checkStorableKey(this.prefix + rel);
        try {
          journal.recordSynced(rel, await uploadFile(store, this.prefix + rel, abs));
        } catch (err) {
          if (err instanceof StorageError) throw err;
          // Unreadable (EACCES) or gone mid-read: the disk decides again on the next change.
          this.opts.log.warn({ err, path: rel }, 'not synced: file could not be read');
        }
      }
    } else if (st?.isDirectory() && !ignore.ignores(rel, true)) {
      const name = dirName(rel);
      if (!journal.base.has(name)) {
        checkStorableKey(this.prefix + name);
        journal.recordSynced(name, await uploadDirMarker(store, this.prefix + name, st.mode & 0o7777));
        // A directory moved in from elsewhere: its content is new to S3 even if no event names it.
        for (const child of await fs.readdir(abs).catch(() => [])) this.touch(`${rel}/${child}`);
      }
    }
    await this.deleteMissing(rel);
  }

  /** Deletes from S3 every name at or under `rel` that the base has and the disk no longer does. */
  private async deleteMissing(rel: string): Promise<void> {
    const { root, store, journal, ignore } = this.opts;
    const gone: string[] = [];
    for (const name of journal.base.keys()) {
      if (!isSameOrUnder(name, rel)) continue;
      const st = await fs.lstat(path.join(root, name)).catch(() => null);
      const present = isDirName(name) ? st?.isDirectory() : st?.isFile();
      if (!present || ignore.ignoresName(name)) gone.push(name);
    }
    if (gone.length === 0) return;
    await store.deleteKeys(gone.map((n) => this.prefix + n));
    for (const name of gone) journal.recordGone(name);
  }

  private succeeded(): void {
    this.lastSyncedAt = Date.now();
    if (this.offline) this.opts.log.info('object storage reachable again');
    this.offline = false;
    this.backoffMs = 0;
    this.retryAt = 0;
  }

  private failed(err: unknown, what: string): void {
    this.backoffMs = Math.min(SYNC_BACKOFF_MAX_MS, this.backoffMs ? this.backoffMs * 2 : SYNC_BACKOFF_MIN_MS);
    this.retryAt = Date.now() + this.backoffMs * (0.75 + Math.random() * 0.5);
    if (!this.offline) this.opts.log.warn({ err: describe(err), what }, 'sync failed; retrying with backoff');
    this.offline = true;
  }

  /** A new state goes out at once; moving counts at most every SYNC_STATUS_THROTTLE_MS. */
  private emitStatus(): void {
    const status = this.status();
    const last = this.lastStatus;
    const sameFiles = status.notSyncedCount === last?.notSyncedCount;
    if (status.state === last?.state && status.pending === last.pending && sameFiles) return;
    if (status.state !== last?.state || !sameFiles) {
      if (this.statusTimer) clearTimeout(this.statusTimer);
      this.statusTimer = null;
    } else if (this.statusTimer) return;
    else if (Date.now() - this.lastStatusAt < SYNC_STATUS_THROTTLE_MS) {
      this.statusTimer = setTimeout(() => {
        this.statusTimer = null;
        this.emitStatus();
      }, SYNC_STATUS_THROTTLE_MS);
      return;
    }
    this.lastStatus = status;
    this.lastStatusAt = Date.now();
    this.opts.onStatus(status);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
