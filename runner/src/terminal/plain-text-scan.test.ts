import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cellRunEnd, isPlainAcross, nextUnsafeByte, unfinishedSgrStart } from './plain-text-scan.js';

describe('nextUnsafeByte', () => {
  it('reads views of any length at any offset (a tail of one or two bytes at an odd address)', () => {
    const backing = Buffer.from('ab\x1b[31mcd\x0e'); // (SO, a control plain text may not hold)
    for (let start = 0; start < backing.length; start++) {
      for (let end = start; end <= backing.length; end++) {
        const view = backing.subarray(start, end);
        const expected = [...view].findIndex(
          // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
          (b, k) => b === 0x0e || (b === 0x1b && !/^\x1b\[31m/.test(view.toString('latin1', k))),
        );
        assert.equal(nextUnsafeByte(view), expected, `bytes ${start}–${end}`);
      }
    }
  });

  it('finds the first control, C1 control or non-SGR escape at any alignment, and passes SGR and UTF-8 text', () => {
    const cases: [string, number][] = [
      ['plain text\r\n\ttab\x07bell\x08', -1],
      ['\x1b[1;31mred\x1b[0m and \x1b[38:5:200mmore\x1b[m', -1],
      ['é 日本語 😀 £ ©', -1],
      ['abc\x01def', 3],
      ['abc\x1b[2Jdef', 3],
      ['a\x1b[31', 1], // unfinished SGR
      ['ab\x1bc', 2],
      ['x\u009by', 1], // C1 CSI: UTF-8 C2 9B
      ['\x1b[1m\x0e\x1b[0mplain', 4],
      ['ab\x01cd\x02', 2],
    ];
    for (const [text, expected] of cases) {
      for (let offset = 0; offset < 4; offset++) {
        // The same bytes at every alignment of the underlying buffer.
        const storage = Buffer.alloc(offset + Buffer.byteLength(text) + 8);
        const bytes = storage.subarray(offset, offset + Buffer.byteLength(text));
        bytes.write(text);
        const at = nextUnsafeByte(bytes);
        const expectedByte = expected === -1 ? -1 : Buffer.byteLength(text.slice(0, expected));
        assert.equal(at, expectedByte, `${JSON.stringify(text)} at offset ${offset}`);
      }
    }
    assert.equal(nextUnsafeByte(Buffer.from('ab\x01cd\x02'), 3), 5, 'the search starts at `from`');
  });
});

/** Bytes made mostly of what floods hold, with now and then what ends a stretch. */
function randomOutput(length: number, random: (n: number) => number): Buffer {
  const parts = [
    'abcdefgh',
    '0123456789 ',
    '\r\n',
    '\r',
    '\t',
    '日本',
    'é',
    '\x7f',
    '\x1b[31m',
    '\x1b[38;5;200m',
    '\x1b[m',
    '\x1b[2J',
    '\u00a0',
    '\x01',
    '\u0085',
    '~~~~',
  ];
  let text = '';
  while (Buffer.byteLength(text) < length) text += parts[random(4) === 0 ? random(parts.length) : random(2)];
  return Buffer.from(text);
}

describe('the word-at-a-time scans agree with reading byte by byte', () => {
  it('at every alignment, from and to anywhere', () => {
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const isCell = (b: number) => b >= 0x20 && b < 0x7f;
    for (let round = 0; round < 2000; round++) {
      const data = randomOutput(1 + random(300), random);
      const offset = random(4);
      const storage = Buffer.alloc(offset + data.length + 4);
      const bytes = storage.subarray(offset, offset + data.length);
      data.copy(bytes);
      const from = random(bytes.length);
      const end = from + random(bytes.length - from + 1);
      let expected = from;
      while (expected < end && isCell(bytes[expected] as number)) expected++;
      assert.equal(
        cellRunEnd(bytes, from, end),
        expected,
        `cellRunEnd ${JSON.stringify(bytes.toString('latin1'))} ${from}–${end}`,
      );
      // Plain is everything but C0 controls other than BEL BS TAB LF CR, C1 controls and non-SGR escapes.
      const text = bytes.toString('latin1');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
      const unsafe = /[\x00-\x06\x0b\x0c\x0e-\x1a\x1c-\x1f]|\x1b(?!\[[0-9;:]*m)|\xc2(?![\xa0-\xbf])/g;
      unsafe.lastIndex = from;
      assert.equal(
        nextUnsafeByte(bytes, from),
        unsafe.exec(text)?.index ?? -1,
        `nextUnsafeByte ${JSON.stringify(text)} from ${from}`,
      );
    }
  });
});

describe('isPlainAcross', () => {
  it('answers for pieces as nextUnsafeByte does for them joined, wherever they are cut', () => {
    const texts = [
      'red \x1b[1;31mbold\x1b[0m and \x1b[38:5:200mmore\x1b[m\r\n',
      'é 日本語 £ © \x1b[m',
      'ab\x1b[2Jcd', // (not SGR)
      'ab\x1bcd', // (RIS)
      'a\x1b[31', // (unfinished at the end of the last piece)
      'x\u009by', // (C1 CSI)
      `\x1b[${'1;'.repeat(40)}31m long parameters`,
    ];
    for (const text of texts) {
      const whole = Buffer.from(text);
      const expected = nextUnsafeByte(whole) === -1;
      for (let a = 0; a <= whole.length; a++) {
        for (let b = a; b <= whole.length; b++) {
          const pieces = [whole.subarray(0, a), whole.subarray(a, b), whole.subarray(b)];
          const answer = isPlainAcross(pieces);
          // A cut inside a sequence longer than the lookahead (64 bytes) makes it not plain.
          const longEnd = text.startsWith('\x1b[1;1;') ? whole.indexOf('m') : -1;
          const cutLong = [a, b].some((cut) => cut > 0 && cut <= longEnd);
          assert.equal(answer, expected && !cutLong, `${JSON.stringify(text)} cut at ${a}, ${b}`);
        }
      }
    }
  });
});

describe('unfinishedSgrStart', () => {
  it('finds a colour sequence cut at the end, and nothing else', () => {
    const cases: [string, number][] = [
      ['text\x1b', 4],
      ['text\x1b[', 4],
      ['text\x1b[38;5:2', 4],
      ['text\x1b[31m', -1], // finished
      ['text\x1b[2J', -1],
      ['text\x1bc', -1],
      ['text\x1b[?25', -1], // (a private mode, not SGR)
      ['text', -1],
      [`text\x1b[${'1;'.repeat(40)}`, -1], // longer than the lookahead
    ];
    for (const [text, expected] of cases)
      assert.equal(unfinishedSgrStart(Buffer.from(text)), expected, JSON.stringify(text));
  });
});
