import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incompleteTailLength, Utf8Chunker } from './utf8-chunker.js';

describe('Utf8Chunker', () => {
  it('never splits a character, whatever the read boundaries', () => {
    const text = 'añ€😀 — ✓ ascii 日本語 🎉!';
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 5; size++) {
      const chunker = new Utf8Chunker();
      const chunks: string[] = [];
      for (let i = 0; i < bytes.length; i += size) {
        const out = chunker.push(bytes.subarray(i, i + size));
        const decoded = out.toString('utf8');
        assert.ok(!decoded.includes('\uFFFD'), `read size ${size}: a chunk decoded with a replacement character`);
        chunks.push(decoded);
      }
      assert.equal(chunks.join(''), text, `read size ${size}`);
    }
  });

  it('passes ASCII through without copying', () => {
    const chunker = new Utf8Chunker();
    const input = Buffer.from('plain text\r\n');
    assert.equal(chunker.push(input), input);
  });

  it('lets invalid UTF-8 through instead of holding it', () => {
    assert.equal(incompleteTailLength(Buffer.from([0x41, 0x80, 0x80, 0x80, 0x80])), 0); // stray continuations
    assert.equal(incompleteTailLength(Buffer.from([0x41, 0xff])), 0); // never a lead byte
    assert.equal(incompleteTailLength(Buffer.from([0x41, 0xe2, 0x82])), 2); // € missing its last byte
    assert.equal(incompleteTailLength(Buffer.from([0xe2, 0x82, 0xac])), 0); // € complete
  });
});
