import { z } from 'zod';

export const SyncState = z.enum(['synced', 'pending', 'offline']);
/** At most this many not-synced files are named in a status (all are counted and logged). */
export const NOT_SYNCED_LISTED = 50;

/** A file the store refused (a name too long for it, say): on disk, not in storage, until it changes. */
export const NotSyncedFile = z.object({ path: z.string(), reason: z.string() });
export type NotSyncedFile = z.infer<typeof NotSyncedFile>;

export const SyncStatusPush = z.object({
  state: SyncState,
  pending: z.number().int().nonnegative(),
  /** Epoch milliseconds of the last change that reached object storage; null before any. */
  lastSyncedAt: z.number().nullable(),
  /** Files storage refused, first NOT_SYNCED_LISTED by name; `notSyncedCount` counts them all. */
  notSynced: z.array(NotSyncedFile).max(NOT_SYNCED_LISTED),
  notSyncedCount: z.number().int().nonnegative(),
});
export type SyncStatusPush = z.infer<typeof SyncStatusPush>;

/**
 * `POST /flush` answers 200 with the status once every change is in object storage; 503 with an
 * EUNAVAILABLE error body if the timeout passed first (the changes stay pending).
 */
export const FlushResponse = SyncStatusPush;
export type FlushResponse = SyncStatusPush;
