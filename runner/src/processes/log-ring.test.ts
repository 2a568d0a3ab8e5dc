import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LogRing } from './log-ring.js';

describe('LogRing', () => {
  test('splits chunks into lines, keeps unfinished lines per stream until they end', () => {
    const ring = new LogRing(100);
    assert.deepEqual(ring.write('stdout', 'hel'), []);
    ring.write('stderr', 'err: half');
    const done = ring.write('stdout', 'lo\r\nworld\npart');
    assert.deepEqual(
      done.map((l) => l.text),
      ['hello', 'world'],
    );
    ring.write('stderr', ' done\n');
    ring.flush();
    assert.deepEqual(
      ring.all.map((l) => `${l.seq}:${l.stream}:${l.text}`),
      ['0:stdout:hello', '1:stdout:world', '2:stderr:err: half done', '3:stdout:part'],
    );
  });

  test('keeps the last N lines; numbering survives eviction and clear (resumable)', () => {
    const ring = new LogRing(3);
    for (let i = 0; i < 10; i++) ring.write('stdout', `line ${i}\n`);
    assert.deepEqual(
      ring.all.map((l) => l.seq),
      [7, 8, 9],
    );
    assert.deepEqual(
      ring.after(7).map((l) => l.text),
      ['line 8', 'line 9'],
    );
    assert.deepEqual(
      ring.after(2).map((l) => l.seq),
      [7, 8, 9],
    );
    ring.clear();
    ring.system('restarted');
    assert.equal(ring.all[0]?.seq, 10);
  });

  test('cuts a line without newlines into bounded pieces', () => {
    const ring = new LogRing(100, 10);
    ring.write('stdout', 'x'.repeat(25));
    assert.deepEqual(
      ring.all.map((l) => l.text.length),
      [10, 10],
    );
    ring.flush();
    assert.equal(ring.all.at(-1)?.text.length, 5);
  });
});
