import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputCoalescer } from './output-coalescer.js';

describe('OutputCoalescer', () => {
  it('sends an isolated chunk at once and joins the chunks that follow within the window', async () => {
    const sent: string[] = [];
    const c = new OutputCoalescer(15, 1000, (d) => sent.push(d));
    c.push('a');
    assert.deepEqual(sent, ['a'], 'the first chunk is not delayed');
    c.push('b');
    c.push('c');
    assert.deepEqual(sent, ['a']);
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(sent, ['a', 'bc']);
    await new Promise((r) => setTimeout(r, 30));
    c.push('d');
    assert.deepEqual(sent, ['a', 'bc', 'd'], 'after a quiet window the next chunk is immediate again');
    c.dispose();
  });

  it('sends early at the size cap and keeps every character in order', () => {
    const sent: string[] = [];
    const c = new OutputCoalescer(1000, 10, (d) => sent.push(d));
    for (const ch of 'abcdefghijklmnopqrstuvwxyz') c.push(ch.repeat(3));
    c.flush();
    assert.equal(sent.join(''), [...'abcdefghijklmnopqrstuvwxyz'].map((x) => x.repeat(3)).join(''));
    assert.ok(
      sent.every((s) => s.length <= 12),
      'no emit grows past the cap plus one chunk',
    );
    c.dispose();
  });
});
