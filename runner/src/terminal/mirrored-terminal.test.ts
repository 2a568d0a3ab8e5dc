import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReferenceScreen, replayed } from '../test-support/reference-screen.js';
import { MirroredTerminal } from './mirrored-terminal.js';

const SCROLLBACK = 400;
const LINE_END = '\x1b[0m\r\n'; // how the archive ends each line it replays

describe('MirroredTerminal', () => {
  it('archives rows with default attributes exactly: cells never written, trailing spaces, wraps, a wide character that does not fit', async () => {
    const view = new MirroredTerminal(
      80,
      24,
      SCROLLBACK,
      20,
      () => false,
      () => {},
    );
    const reference = new ReferenceScreen(80, 24, SCROLLBACK);
    const lines = Array.from(
      { length: 120 },
      (_, i) =>
        i % 4 === 0
          ? `gap ${i}\x1b[${1 + (i % 9)}Cafter${' '.repeat(i % 4)}`
          : i % 4 === 1
            ? `${'w'.repeat(79)}漢 wrapped ${i}` // (the wide character goes to the next row)
            : i % 4 === 2
              ? `${'p'.repeat(80 + (i % 50))}` // wraps by itself
              : i % 8 === 3
                ? `\x1b[${1 + (i % 5)}Cindented ${i} 日本`
                : `${'e'.repeat(100)}\x1b[1A\x1b[71G\x1b[K\x1b[1B`, // a wrapped row's end erased: it still wraps
    );
    const text = `${lines.join('\r\n')}\r\n`;
    try {
      await new Promise<void>((resolve) => view.write(Buffer.from(text), undefined, resolve));
      await reference.write(text);
      const before = view.snapshot().split(LINE_END).length;
      view.harvest();
      const snapshot = view.snapshot();
      assert.ok(snapshot.split(LINE_END).length > before + 50, 'most lines moved to the archive');
      assert.equal(
        await replayed(snapshot, [80, 24], SCROLLBACK),
        await replayed(reference.serialize(), [80, 24], SCROLLBACK),
      );
    } finally {
      view.dispose();
      reference.dispose();
    }
  });
});
