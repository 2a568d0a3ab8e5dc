import { z } from 'zod';

export const SyncState = z.enum(['synced', 'pending', 'offline']);
export const SyncStatusPush = z.object({
  state: SyncState,
  pending: z.number().int().nonnegative(),
  /** Epoch milliseconds of the last change that reached object storage; null before any. */
  lastSyncedAt: z.number().nullable(),
});
export type SyncStatusPush = z.infer<typeof SyncStatusPush>;

/**
 * `POST /flush` answers 200 with the status once every change is in object storage; 503 with an
 * EUNAVAILABLE error body if the timeout passed first (the changes stay pending).
 */
export const FlushResponse = SyncStatusPush;
export type FlushResponse = SyncStatusPush;
