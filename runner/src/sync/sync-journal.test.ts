import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { SyncJournal } from './sync-journal.js';

const entry = (etag: string) => ({ etag, md5: etag, size: 1, mtimeMs: 5, mode: 0o644 });

describe('SyncJournal', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-journal-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('survives a crash: a reopened journal has the same pending paths and base', () => {
    const j = SyncJournal.open(dir);
    j.markDirty('a.txt');
    j.markDirty('dir');
    j.recordSynced('b.txt', entry('e1'));
    j.recordSynced('c.txt', entry('e2'));
    j.recordGone('c.txt');
    j.recordClean('dir');
    // no close(): the process dies here
    const again = SyncJournal.open(dir);
    assert.deepEqual([...again.dirty], ['a.txt']);
    assert.deepEqual([...again.base.keys()], ['b.txt']);
    assert.deepEqual(again.base.get('b.txt'), entry('e1'));
    again.close();
  });

  it('ignores a torn last line (a write cut short by the crash)', () => {
    const j = SyncJournal.open(dir);
    j.markDirty('kept');
    j.close();
    fs.appendFileSync(path.join(dir, 'sync-journal.jsonl'), '{"d":"torn');
    const again = SyncJournal.open(dir);
    assert.deepEqual([...again.dirty], ['kept']);
    again.close();
  });

  it('a dirty directory path covers every name under it', () => {
    const j = SyncJournal.open(dir);
    j.markDirty('src/lib');
    assert.ok(j.isDirty('src/lib/'));
    assert.ok(j.isDirty('src/lib/deep/x.ts'));
    assert.ok(!j.isDirty('src/library.ts'));
    assert.ok(!j.isDirty('src/'));
    j.close();
  });

  it('compacts its history into a snapshot without losing state', () => {
    const j = SyncJournal.open(dir);
    for (let i = 0; i < 30_000; i++) {
      j.markDirty('hot.txt');
      j.recordSynced('hot.txt', entry(`e${i}`));
      j.recordClean('hot.txt');
    }
    j.close();
    const lines = fs.readFileSync(path.join(dir, 'sync-journal.jsonl'), 'utf8').split('\n').length;
    assert.ok(lines < 25_000, `history was compacted (${lines} lines for 90,000 records)`);
    const again = SyncJournal.open(dir);
    assert.equal(again.base.get('hot.txt')?.etag, 'e29999');
    assert.equal(again.dirty.size, 0);
    again.close();
  });
});
