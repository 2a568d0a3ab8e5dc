import { describe, expect, it } from 'vitest';
import { applyTextEdits } from './text-edits';

const at = (line: number, character: number) => ({ line, character });

describe('applyTextEdits', () => {
  it('applies edits on several lines, from the last one back, against the original positions', () => {
    const text = 'const greet = 1;\nconsole.log(greet);\ngreet + greet;\n';
    const edits = [
      { range: { start: at(0, 6), end: at(0, 11) }, newText: 'welcome' },
      { range: { start: at(1, 12), end: at(1, 17) }, newText: 'welcome' },
      { range: { start: at(2, 0), end: at(2, 5) }, newText: 'welcome' },
      { range: { start: at(2, 8), end: at(2, 13) }, newText: 'welcome' },
    ];
    expect(applyTextEdits(text, edits)).toBe('const welcome = 1;\nconsole.log(welcome);\nwelcome + welcome;\n');
  });

  it('counts characters in UTF-16 and clamps past the end of a line or the text', () => {
    expect(applyTextEdits('é😀x\n', [{ range: { start: at(0, 3), end: at(0, 4) }, newText: 'y' }])).toBe('é😀y\n');
    expect(applyTextEdits('ab\ncd', [{ range: { start: at(0, 99), end: at(0, 99) }, newText: '!' }])).toBe('ab!\ncd');
    expect(applyTextEdits('ab', [{ range: { start: at(5, 0), end: at(5, 0) }, newText: '\nz' }])).toBe('ab\nz');
  });
});
