import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputCoalescer } from './output-coalescer.js';

const b = (text: string) => Buffer.from(text);

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('OutputCoalescer', () => {
  it('sends interactive output at once, however closely spaced', () => {
    const sent: string[] = [];
    const c = new OutputCoalescer(50, 1000, 16, (d) => sent.push(d.toString()));
    c.push(b('a'));
    c.push(b('b'));
    c.push(b('c'));
    assert.deepEqual(sent, ['a', 'b', 'c'], 'keystroke echoes are never held for the window');
    c.dispose();
  });

  it('joins a burst and sends it when the window ends, keeping order', async () => {
    const sent: string[] = [];
    const c = new OutputCoalescer(15, 1000, 4, (d) => sent.push(d.toString()));
    c.push(b('ab'));
    c.push(b('cdef')); // the window now carries more than 4 bytes: a burst
    c.push(b('gh'));
    assert.deepEqual(sent, ['ab']);
    await wait(30);
    assert.deepEqual(sent, ['ab', 'cdefgh']);
    await wait(40);
    c.push(b('i'));
    assert.deepEqual(sent, ['ab', 'cdefgh', 'i'], 'after a quiet window output is immediate again');
    c.dispose();
  });

  it('sends early at the size cap and keeps every byte in order', () => {
    const sent: string[] = [];
    const c = new OutputCoalescer(1000, 10, 0, (d) => sent.push(d.toString()));
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') c.push(b(ch.repeat(3)));
    c.flush();
    assert.equal(sent.join(''), [...'abcdefghijklmnopqrstuvwxyz'].map((x) => x.repeat(3)).join(''));
    assert.ok(
      sent.every((s) => s.length <= 12),
      'no emit grows past the cap plus one chunk',
    );
    c.dispose();
  });
});
