import type { HostIds } from './host-ids.js';

/** Where the search for a free range starts when SANDBOX_UID_BASE is not set: far above any login user. */
export const DEFAULT_UID_BASE = 200_000;
/** The highest uid a range may reach: ids past 2^31 − 1 trip signed-int tools, and (uid_t) −1 means "none". */
export const UID_MAX = 2 ** 31 - 1;

/** `count` user ids from `base`: a repl's uid, and its gid too. */
export interface UidRange {
  base: number;
  count: number;
}

/** One installation's range in the host registry, keyed by the real path of its DATA_DIR. */
export interface UidClaim extends UidRange {
  dataDir: string;
  claimedAt: string;
}

export type UidRangeErrorCode =
  /** The range asked for overlaps another installation's claim. */
  | 'EUIDTAKEN'
  /** The range asked for holds a user, a group, subordinate ids or a process of this machine. */
  | 'EUIDHOST'
  /** No free range of that size is left. */
  | 'EUIDFULL'
  /** The registry's lock was not had in time (another orchestrator is stuck holding it). */
  | 'EUIDLOCK'
  /** The registry cannot be trusted or read: not ours, writable by others, not JSON. */
  | 'EUIDREGISTRY';

/** Why an installation gets no user id range; the message is the one line the orchestrator exits with. */
export class UidRangeError extends Error {
  override readonly name = 'UidRangeError';
  constructor(
    readonly code: UidRangeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ClaimRequest {
  /** The real path of the installation's DATA_DIR. */
  dataDir: string;
  /** SANDBOX_UID_BASE when set: exactly this range or none. */
  base: number | null;
  count: number;
  /** Without a base: the search for the lowest free range starts here, in steps of `count`. */
  searchFrom: number;
  /** The range DATA_DIR says it had (its sandboxes' uids are in it): tried first when the registry forgot it. */
  previous: UidRange | null;
  /** Uids of this installation's sandboxes: processes running as them are its own, not the host's. */
  ownIds: number[];
}

export interface ClaimOutcome {
  range: UidRange;
  /** Every claim afterwards, this installation's included. */
  claims: UidClaim[];
  /** True when the installation already held exactly this range (nothing to write). */
  reused: boolean;
}

export const lastId = (r: UidRange) => r.base + r.count - 1;
export const describeRange = (r: UidRange) => `${r.base}–${lastId(r)}`;
const overlaps = (a: UidRange, b: { from: number; count: number }) =>
  a.base <= b.from + b.count - 1 && b.from <= lastId(a);

interface Conflict {
  /** The last id it covers: a search resumes past it. */
  end: number;
  what: string;
  claim: UidClaim | null;
}

/**
 * Picks an installation's user id range against the other installations' claims and the ids the
 * host uses. Its own claim is kept (so its sandboxes' recorded uids stay valid across restarts),
 * unless a user or group has since appeared in it; a new range never holds a host id or a foreign
 * process's id. Pure: the registry's lock, reading and writing are the caller's.
 */
export function chooseUidRange(claims: UidClaim[], request: ClaimRequest, host: HostIds, now: Date): ClaimOutcome {
  const mine = claims.find((c) => c.dataDir === request.dataDir) ?? null;
  const others = claims.filter((c) => c.dataDir !== request.dataDir);
  const own = new Set(request.ownIds);
  const { count } = request;

  const conflicts = (r: UidRange, withProcesses: boolean): Conflict[] => {
    const found: Conflict[] = [];
    for (const c of others) {
      if (overlaps(r, { from: c.base, count: c.count }))
        found.push({
          end: lastId(c),
          what: `the Cubicle installation at ${c.dataDir} (${describeRange(c)})`,
          claim: c,
        });
    }
    for (const u of host.named) {
      if (overlaps(r, u)) found.push({ end: u.from + u.count - 1, what: u.what, claim: null });
    }
    if (withProcesses) {
      for (const [id, pid] of host.processes) {
        if (!own.has(id) && id >= r.base && id <= lastId(r))
          found.push({ end: id, what: `id ${id}, which a running process has (pid ${pid})`, claim: null });
      }
    }
    return found;
  };
  const outcome = (range: UidRange, reused: boolean): ClaimOutcome => ({
    range,
    reused,
    claims: [
      ...others,
      { dataDir: request.dataDir, ...range, claimedAt: reused && mine ? mine.claimedAt : now.toISOString() },
    ],
  });
  const same = (a: UidRange | null, b: UidRange) => a !== null && a.base === b.base && a.count === b.count;

  if (request.base !== null) {
    const asked = { base: request.base, count };
    // Its own claim's processes are its repls; only a user or group that appeared since is news.
    const [first] = conflicts(asked, !same(mine, asked));
    if (!first) return outcome(asked, same(mine, asked));
    const setting = `SANDBOX_UID_BASE=${asked.base} (user ids ${describeRange(asked)})`;
    if (first.claim)
      throw new UidRangeError(
        'EUIDTAKEN',
        `${setting} overlaps the user ids of ${first.what}: choose a SANDBOX_UID_BASE outside them, or leave it unset for a free range`,
      );
    throw new UidRangeError(
      'EUIDHOST',
      `${setting} includes ${first.what}: choose a range this machine does not use, or leave SANDBOX_UID_BASE unset for a free one`,
    );
  }

  if (mine && mine.count === count && conflicts(mine, false).length === 0)
    return outcome({ base: mine.base, count }, true);
  for (const candidate of [mine, request.previous]) {
    if (!candidate) continue;
    const range = { base: candidate.base, count };
    if (lastId(range) <= UID_MAX && conflicts(range, true).length === 0) return outcome(range, false);
  }
  let base = request.searchFrom;
  while (base + count - 1 <= UID_MAX) {
    const found = conflicts({ base, count }, true);
    if (found.length === 0) return outcome({ base, count }, false);
    const end = Math.max(...found.map((c) => c.end));
    base = request.searchFrom + Math.ceil((end + 1 - request.searchFrom) / count) * count;
  }
  throw new UidRangeError(
    'EUIDFULL',
    `no free range of ${count} user ids (SANDBOX_UID_COUNT) is left from ${request.searchFrom} up to ${UID_MAX}`,
  );
}
