import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { HostIds } from './host-ids.js';
import { type ClaimRequest, chooseUidRange, type UidClaim, UidRangeError } from './uid-range-choice.js';
import { claimUidRange, readUidRangeRecord } from './uid-range-registry.js';

/** Far above anything a machine uses, so the host's own ids never get in the way. */
const FROM = 1_500_000_000;

describe('the host registry of user id ranges', () => {
  const temp: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    temp.push(dir);
    return fs.realpathSync(dir);
  };
  let registry: string;
  const claim = (dataDir: string, base: number | null = null, count = 10) =>
    claimUidRange({ registry, dataDir, base, count, searchFrom: FROM });

  beforeEach(() => {
    registry = path.join(tempDir('cubicle-uid-registry-'), 'ranges', 'uid-ranges.json');
  });
  after(() => {
    for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('two installations get ranges that do not overlap, and each keeps its own at every start', () => {
    const [one, two] = [tempDir('cubicle-data-'), tempDir('cubicle-data-')];
    const first = claim(one);
    assert.deepEqual(first.range, { base: FROM, count: 10 });
    assert.equal(first.reused, false);
    assert.deepEqual(claim(two).range, { base: FROM + 10, count: 10 });
    const again = claim(one);
    assert.deepEqual(again.range, first.range);
    assert.equal(again.reused, true);
    assert.deepEqual(readUidRangeRecord(one), { base: FROM, count: 10, registry });
    // The same range even when the host's registry was lost: DATA_DIR remembers it.
    fs.rmSync(registry);
    claim(two);
    assert.deepEqual(claim(one).range, first.range);
  });

  test("an explicit base inside another installation's range is refused, in one line naming it", () => {
    const one = tempDir('cubicle-data-');
    claim(one);
    const other = tempDir('cubicle-data-');
    assert.throws(
      () => claim(other, FROM + 5),
      (err: unknown) => {
        assert.ok(err instanceof UidRangeError);
        assert.equal(err.code, 'EUIDTAKEN');
        assert.doesNotMatch(err.message, /\n/);
        assert.match(err.message, new RegExp(`^SANDBOX_UID_BASE=${FROM + 5} .*overlaps .*${one}`));
        return true;
      },
    );
    assert.equal(readUidRangeRecord(other), null, 'nothing recorded for a refused claim');
    // Its own explicit range again is fine; one beside the other's is too.
    assert.deepEqual(claim(one, FROM).range, { base: FROM, count: 10 });
    assert.deepEqual(claim(other, FROM + 10).range, { base: FROM + 10, count: 10 });
  });

  test('the claim of a DATA_DIR that no longer exists is taken back', () => {
    const gone = tempDir('cubicle-data-');
    claim(gone);
    fs.rmSync(gone, { recursive: true });
    const next = claim(tempDir('cubicle-data-'));
    assert.deepEqual(next.range, { base: FROM, count: 10 });
    assert.deepEqual(next.reclaimed, [gone]);
  });

  test('claims made at the same moment never overlap', async () => {
    const dirs = Array.from({ length: 6 }, () => tempDir('cubicle-data-'));
    const module = path.join(import.meta.dirname, 'uid-range-registry.js');
    const ranges = await Promise.all(
      dirs.map(
        (dataDir) =>
          new Promise<{ base: number; count: number }>((resolve, reject) => {
            const script = `const { claimUidRange } = await import(${JSON.stringify(module)});
              const c = claimUidRange(${JSON.stringify({ registry, dataDir, base: null, count: 10, searchFrom: FROM })});
              console.log(JSON.stringify(c.range));`;
            const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            child.stdout.on('data', (d: Buffer) => {
              out += d.toString();
            });
            child.once('error', reject);
            child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    const bases = ranges.map((r) => r.base).sort((a, b) => a - b);
    assert.deepEqual(
      bases,
      [0, 1, 2, 3, 4, 5].map((i) => FROM + i * 10),
    );
  });

  test('a registry that is not JSON, or a folder others can write, is refused and left as it is', () => {
    fs.mkdirSync(path.dirname(registry), { recursive: true });
    fs.writeFileSync(registry, 'not json');
    assert.throws(() => claim(tempDir('cubicle-data-')), { name: 'UidRangeError', code: 'EUIDREGISTRY' });
    assert.equal(fs.readFileSync(registry, 'utf8'), 'not json');
    fs.rmSync(registry);
    fs.chmodSync(path.dirname(registry), 0o777);
    assert.throws(() => claim(tempDir('cubicle-data-')), { name: 'UidRangeError', code: 'EUIDREGISTRY' });
  });
});

describe('choosing a range', () => {
  const now = new Date('2026-12-01T00:00:00Z');
  const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({
    dataDir: '/srv/one',
    base: null,
    count: 100,
    searchFrom: 200_000,
    previous: null,
    ownIds: [],
    ...over,
  });
  const host = (over: Partial<HostIds> = {}): HostIds => ({ named: [], processes: new Map(), ...over });
  const other: UidClaim = { dataDir: '/srv/two', base: 200_000, count: 100, claimedAt: now.toISOString() };

  test('skips the ranges with a user, a group, subordinate ids or a foreign process in them', () => {
    const busy = host({
      named: [
        { from: 200_150, count: 1, what: 'user build (/etc/passwd)' },
        { from: 200_200, count: 250, what: 'the subordinate ids of podman (/etc/subuid)' },
      ],
      processes: new Map([[200_520, 4242]]),
    });
    assert.equal(chooseUidRange([other], request(), busy, now).range.base, 200_600);
  });

  test("its own sandboxes' processes do not stop it from taking the range they are in", () => {
    const mine = host({ processes: new Map([[200_007, 77]]) });
    assert.equal(chooseUidRange([], request({ ownIds: [200_007] }), mine, now).range.base, 200_000);
    assert.equal(chooseUidRange([], request(), mine, now).range.base, 200_100);
  });

  test('an explicit base over a user of this machine is refused, naming the user', () => {
    const busy = host({ named: [{ from: 300_042, count: 1, what: 'user build (/etc/passwd)' }] });
    assert.throws(() => chooseUidRange([], request({ base: 300_000 }), busy, now), {
      code: 'EUIDHOST',
      message: /SANDBOX_UID_BASE=300000 .*includes user build/,
    });
  });

  test('its own claim is kept, unless a user has appeared in it since', () => {
    const mine: UidClaim = { dataDir: '/srv/one', base: 500_000, count: 100, claimedAt: '2026-01-01T00:00:00.000Z' };
    const kept = chooseUidRange([mine, other], request(), host(), now);
    assert.deepEqual(kept.range, { base: 500_000, count: 100 });
    assert.equal(kept.reused, true);
    assert.equal(kept.claims.find((c) => c.dataDir === '/srv/one')?.claimedAt, mine.claimedAt);
    const intruder = host({ named: [{ from: 500_010, count: 1, what: 'user new (/etc/passwd)' }] });
    assert.equal(chooseUidRange([mine, other], request(), intruder, now).range.base, 200_100);
  });
});
