import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileChange } from '@cubicle/protocol';
import { ChangeBatcher } from './change-batcher.js';

describe('ChangeBatcher', () => {
  it('sends one batch per window with each path once, add+change staying add', async () => {
    const batches: FileChange[][] = [];
    const b = new ChangeBatcher(20, (c) => batches.push(c));
    b.push('add', 'a.txt');
    b.push('change', 'a.txt');
    b.push('addDir', 'dir');
    b.push('change', 'b.txt');
    b.push('unlink', 'b.txt');
    assert.equal(batches.length, 0, 'nothing is sent before the window ends');
    await new Promise((r) => setTimeout(r, 40));
    assert.deepEqual(batches, [
      [
        { type: 'add', path: 'a.txt' },
        { type: 'addDir', path: 'dir' },
        { type: 'unlink', path: 'b.txt' },
      ],
    ]);
    b.push('change', 'c.txt');
    b.drain();
    assert.deepEqual(batches[1], [{ type: 'change', path: 'c.txt' }]);
    b.dispose();
  });
});
