import type { Quota } from '@cubicle/protocol';
import type { UserRow } from '../state/user-store.js';

/**
 * The limits in force for a user: the admin's override where set, else the configured defaults;
 * admins are not limited unless an override says so.
 */
export function effectiveQuota(user: UserRow | undefined, defaults: { maxRepls: number; maxRunning: number }): Quota {
  const fallback: Quota = user?.admin ? { maxRepls: null, maxRunning: null } : defaults;
  return {
    maxRepls: user?.maxRepls ?? fallback.maxRepls,
    maxRunning: user?.maxRunning ?? fallback.maxRunning,
  };
}
