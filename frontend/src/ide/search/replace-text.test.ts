import { describe, expect, it } from 'vitest';
import { replaceAll } from './replace-text';

const q = (query: string, o: Partial<{ regex: boolean; caseSensitive: boolean; wholeWord: boolean }> = {}) => ({
  query,
  regex: false,
  caseSensitive: false,
  wholeWord: false,
  ...o,
});

describe('replaceAll', () => {
  it('replaces literal text literally, case-insensitively unless asked', () => {
    expect(replaceAll('a.b A.B a+b', q('a.b'), '$x')).toEqual({ text: '$x $x a+b', count: 2 });
    expect(replaceAll('a.b A.B', q('a.b', { caseSensitive: true }), 'c')).toEqual({ text: 'c A.B', count: 1 });
  });

  it('whole words only, and regex groups in the replacement', () => {
    expect(replaceAll('cat catalog cat', q('cat', { wholeWord: true }), 'dog')).toEqual({
      text: 'dog catalog dog',
      count: 2,
    });
    expect(replaceAll('v1.2 v3.4', q('v(\\d)\\.(\\d)', { regex: true }), 'v$2.$1')).toEqual({
      text: 'v2.1 v4.3',
      count: 2,
    });
  });
});
