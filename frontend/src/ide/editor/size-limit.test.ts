import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { sizeLimit, utf8Length } from './size-limit';

describe('utf8Length', () => {
  it('counts what TextEncoder would write', () => {
    for (const text of ['', 'ascii', 'é', '€uro', '😀 emoji', 'mixed é€😀\n']) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
});

describe('sizeLimit', () => {
  const limited = (doc: string, max: number) => {
    const refused: number[] = [];
    const state = EditorState.create({ doc, extensions: sizeLimit(max, (b) => refused.push(b)) });
    return { state, refused };
  };

  it('lets edits under the limit through and refuses the one that would pass it, naming its size', () => {
    const { state, refused } = limited('12345', 10);
    const typed = state.update({ changes: { from: 5, insert: '€' } }).state; // 5 + 3 bytes
    expect(typed.doc.toString()).toBe('12345€');
    const pasted = typed.update({ changes: { from: 0, insert: 'abc' } }).state; // would be 11
    expect(pasted.doc.toString()).toBe('12345€');
    expect(refused).toEqual([11]);
  });

  it('counts deletions, so a full file can still be edited by replacing', () => {
    const { state } = limited('0123456789', 10);
    const replaced = state.update({ changes: { from: 0, to: 5, insert: 'abcde' } }).state;
    expect(replaced.doc.toString()).toBe('abcde56789');
  });
});
