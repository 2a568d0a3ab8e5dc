/**
 * Run by claimUidRange (uid-range-registry.ts) under `flock` on the registry's lock, never by
 * hand: one JSON argument (LockedClaim) in, one JSON line (ClaimReply) out. A separate process
 * because the lock belongs to flock's open file, and the orchestrator claims synchronously.
 */
import { claimLocked, LockedClaim } from './uid-range-registry.js';

const request = LockedClaim.parse(JSON.parse(process.argv[2] ?? 'null'));
process.stdout.write(`${JSON.stringify(claimLocked(request))}\n`);
