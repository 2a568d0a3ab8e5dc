import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UID_RANGE_LOCK_WAIT_S } from '../../tuning.js';
import { hostIdsInUse } from './host-ids.js';
import { SandboxFiles } from './sandbox-files.js';
import {
  type ClaimRequest,
  chooseUidRange,
  DEFAULT_UID_BASE,
  type UidClaim,
  type UidRange,
  UidRangeError,
  type UidRangeErrorCode,
} from './uid-range-choice.js';

/** The host-wide registry when SANDBOX_UID_REGISTRY is not set: outside every DATA_DIR, root's. */
export const DEFAULT_UID_REGISTRY = '/var/lib/cubicle/uid-ranges.json';

/** What an installation writes in its DATA_DIR: the range its sandboxes' uids come from. */
const RECORD_NAME = 'uid-range.json';

/** The program run under the registry's lock (uid-range-claim-cli.ts, compiled beside this file). */
const CLAIM_CLI = path.join(import.meta.dirname, 'uid-range-claim-cli.js');

/** flock's exit code when the lock was not had in time (ours, so it cannot be the claim's own). */
const LOCK_TIMEOUT_EXIT = 75;

const Range = z.object({ base: z.number().int().positive(), count: z.number().int().positive() });
const RegistryFile = z.object({
  version: z.literal(1),
  claims: z.array(Range.extend({ dataDir: z.string().min(1), claimedAt: z.string() })),
});
const RangeRecord = Range.extend({ registry: z.string() });

/** The request the locked program gets, as one JSON argument. */
export const LockedClaim = z.object({
  registry: z.string().min(1),
  request: z.object({
    dataDir: z.string().min(1),
    base: z.number().int().positive().nullable(),
    count: z.number().int().positive(),
    searchFrom: z.number().int().positive(),
    previous: Range.nullable(),
    ownIds: z.array(z.number().int()),
  }),
});
export type LockedClaim = z.infer<typeof LockedClaim>;

const ERROR_CODES = [
  'EUIDTAKEN',
  'EUIDHOST',
  'EUIDFULL',
  'EUIDLOCK',
  'EUIDREGISTRY',
] as const satisfies readonly UidRangeErrorCode[];
/** Its one line of output. */
const ClaimReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), range: Range, reused: z.boolean(), reclaimed: z.array(z.string()) }),
  z.object({ ok: z.literal(false), code: z.enum(ERROR_CODES), message: z.string() }),
]);
export type ClaimReply = z.infer<typeof ClaimReply>;

export interface UidRangeClaim {
  range: UidRange;
  /** True when the installation already held exactly this range. */
  reused: boolean;
  /** DATA_DIRs that no longer exist whose claims were dropped. */
  reclaimed: string[];
}

export interface ClaimOptions {
  /** The registry file (SANDBOX_UID_REGISTRY). */
  registry: string;
  dataDir: string;
  /** SANDBOX_UID_BASE when set: exactly this range, or a UidRangeError. */
  base: number | null;
  count: number;
  /** Without a base, the lowest free range from here (default DEFAULT_UID_BASE). */
  searchFrom?: number;
}

/**
 * Claims this installation's user id range in the host registry, so that no two Cubicle
 * installations on one machine hand out the same uid (a stop kills what runs as a repl's uid:
 * shared uids meant one installation killing the other's repls). The registry is read, decided on
 * and rewritten by a short program holding an exclusive `flock(1)` on `<registry>.lock`: the kernel
 * drops that lock when its holder dies however it dies, so there is no stale lock to detect, no pid
 * to trust after reuse, and no race in breaking one (which O_EXCL and mkdir locks need). util-linux,
 * which ships flock, is already required (setpriv, prlimit). Synchronous: it runs once, at start.
 */
export function claimUidRange(opts: ClaimOptions): UidRangeClaim {
  const dataDir = fs.realpathSync(opts.dataDir);
  const registry = path.resolve(opts.registry);
  ensureRegistryFolder(path.dirname(registry));
  const recorded = readUidRangeRecord(dataDir);
  const sandboxesDir = path.join(dataDir, 'sandboxes');
  const locked: LockedClaim = {
    registry,
    request: {
      dataDir,
      base: opts.base,
      count: opts.count,
      searchFrom: opts.searchFrom ?? DEFAULT_UID_BASE,
      previous: recorded ? { base: recorded.base, count: recorded.count } : null,
      ownIds: SandboxFiles.listIds(sandboxesDir)
        .map((id) => new SandboxFiles(sandboxesDir, id).readUid())
        .filter((uid): uid is number => uid !== null),
    },
  };
  const run = spawnSync(
    'flock',
    [
      '--exclusive',
      '--timeout',
      String(UID_RANGE_LOCK_WAIT_S),
      '--conflict-exit-code',
      String(LOCK_TIMEOUT_EXIT),
      `${registry}.lock`,
      process.execPath,
      CLAIM_CLI,
      JSON.stringify(locked),
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: (UID_RANGE_LOCK_WAIT_S + 30) * 1000,
    },
  );
  if (run.error)
    throw new UidRangeError(
      'EUIDLOCK',
      `cannot lock the user id registry ${registry} with flock: ${run.error.message}`,
    );
  if (run.status === LOCK_TIMEOUT_EXIT)
    throw new UidRangeError(
      'EUIDLOCK',
      `another process has held the lock of the user id registry ${registry}.lock for ${UID_RANGE_LOCK_WAIT_S} s`,
    );
  const reply = parseReply(run.stdout);
  if (run.status !== 0 || !reply) {
    const why = (run.stderr || run.stdout || `exit ${run.status}`).trim().split('\n')[0];
    throw new UidRangeError('EUIDREGISTRY', `claiming a user id range in ${registry} failed: ${why}`);
  }
  if (!reply.ok) throw new UidRangeError(reply.code, reply.message);
  writeAtomically(path.join(dataDir, RECORD_NAME), JSON.stringify({ ...reply.range, registry }), 0o600);
  return { range: reply.range, reused: reply.reused, reclaimed: reply.reclaimed };
}

/**
 * The claim itself, run only under the registry's lock: drops the claims of DATA_DIRs that no
 * longer exist, chooses (uid-range-choice.ts) and writes the registry back when it changed.
 */
export function claimLocked({ registry, request }: LockedClaim): ClaimReply {
  try {
    const claims = readRegistry(registry);
    const live = claims.filter((c) => fs.existsSync(c.dataDir));
    const reclaimed = claims.filter((c) => !live.includes(c)).map((c) => c.dataDir);
    const choice = chooseUidRange(live, request satisfies ClaimRequest, hostIdsInUse(), new Date());
    if (!choice.reused || reclaimed.length > 0) writeRegistry(registry, choice.claims);
    return { ok: true, range: choice.range, reused: choice.reused, reclaimed };
  } catch (err) {
    if (err instanceof UidRangeError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** The range an installation recorded in its DATA_DIR, or null (never claimed, or not as root). */
export function readUidRangeRecord(dataDir: string): (UidRange & { registry: string }) | null {
  try {
    const parsed = RangeRecord.safeParse(JSON.parse(fs.readFileSync(path.join(dataDir, RECORD_NAME), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Every claim in the registry; none when it does not exist yet. */
export function readRegistry(file: string): UidClaim[] {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!st) return [];
  if (!st.isFile() || st.uid !== process.geteuid?.())
    throw new UidRangeError('EUIDREGISTRY', `the user id registry ${file} is not a file of this user`);
  let data: unknown = null;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // not JSON: refused below
  }
  const parsed = RegistryFile.safeParse(data);
  // Never rewritten blind: that would drop every other installation's claim.
  if (!parsed.success)
    throw new UidRangeError(
      'EUIDREGISTRY',
      `the user id registry ${file} is not a registry of ranges (fix or remove it; every installation there then claims again)`,
    );
  return parsed.data.claims;
}

function writeRegistry(file: string, claims: UidClaim[]): void {
  const sorted = [...claims].sort((a, b) => a.base - b.base);
  writeAtomically(file, `${JSON.stringify({ version: 1, claims: sorted }, null, 2)}\n`, 0o644);
}

/**
 * The registry's folder decides which uids repls get, so only its owner may write in it: made
 * 0755 when missing, refused when it is a link, someone else's, or writable by group or others.
 */
function ensureRegistryFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0)
    throw new UidRangeError(
      'EUIDREGISTRY',
      `the user id registry's folder ${dir} must be a folder of this user that no one else can write (SANDBOX_UID_REGISTRY)`,
    );
}

/** Readers see the old file or the new one, and a crash mid-write leaves the old one. */
function writeAtomically(file: string, text: string, mode: number): void {
  const temp = `${file}.${process.pid}.new`;
  const fd = fs.openSync(temp, 'w', mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

function parseReply(stdout: string): ClaimReply | null {
  try {
    const parsed = ClaimReply.safeParse(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
