import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import headlessPkg from '@xterm/headless';
import { cellsAtLeast, ScrollbackArchive } from './scrollback-archive.js';

/** Every cell of a terminal after `text`: characters, colours and attributes, row by row. */
async function cellsAfter(text: string, cols: number, rows: number): Promise<string[]> {
  const term = new headlessPkg.Terminal({ cols, rows, scrollback: 100, allowProposedApi: true });
  await new Promise<void>((resolve) => term.write(text, resolve));
  const buffer = term.buffer.active;
  const shown: string[] = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    const cells = Array.from({ length: cols }, (_, x) => line?.getCell(x)).map((c) =>
      c
        ? `${c.getChars() || ' '}${c.getFgColorMode()}:${c.getFgColor()}/${c.getBgColorMode()}:${c.getBgColor()}/` +
          [c.isBold(), c.isDim(), c.isItalic(), c.isUnderline(), c.isInverse(), c.isStrikethrough()].join('')
        : '?',
    );
    shown.push(cells.join(' '));
  }
  term.dispose();
  return shown;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the text without its sequences
const plain = (text: string) => text.replace(/\x1b\[[0-9;:]*[A-Za-z]/g, '');

describe('ScrollbackArchive', () => {
  it('replays lines of output as the terminal drew them, backgrounds of scrolled rows included', async () => {
    // Rows that scroll into view take the background in force (BCE): a replay must too.
    const lines = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? `\x1b[44mblue ${i}` : i % 3 === 1 ? `still blue ${i}\x1b[0m` : `\x1b[1;31mred ${i}\x1b[22m`,
    );
    const archive = new ScrollbackArchive();
    archive.replaceWithOutput(Buffer.from(lines.join('\r\n')), '\x1b[7m');
    // Archived lines all scrolled in (the screen's rows came before them); the replay starts on
    // a fresh screen, whose rows have not.
    const original = `${'\r\n'.repeat(5)}\x1b[7m${lines.join('\r\n')}\x1b[0m\r\n`;
    const expected = (await cellsAfter(original, 20, 5)).slice(5);
    assert.deepEqual(await cellsAfter(archive.replay(), 20, 5), expected);
    assert.notDeepEqual(
      await cellsAfter(archive.replay().replaceAll('\x1b[K', ''), 20, 5),
      expected,
      'without the erase, a scrolled row loses its background',
    );
  });

  it('keeps the newest rows a scrollback holds: whole lines, and the last rows of a line that straddles the limit', () => {
    const archive = new ScrollbackArchive();
    const lines = Array.from({ length: 10 }, (_, i) => `\x1b[3${i % 8}m${String(i).repeat(45)}`); // 3 rows each at 20 columns
    archive.replaceWithOutput(Buffer.from(lines.join('\r\n')), '');
    archive.keepRows(7, 20);
    const replay = archive.replay();
    assert.equal(plain(replay), `77777\r\n${'8'.repeat(45)}\r\n${'9'.repeat(45)}\r\n`);
    assert.ok(replay.startsWith('\x1b[37m'), 'the cut line keeps its colour');
    archive.keepRows(3, 20);
    assert.equal(plain(archive.replay()), `${'9'.repeat(45)}\r\n`);
    archive.keepRows(0, 20);
    assert.equal(archive.replay(), '');
    assert.ok(archive.isEmpty);
  });

  it('counts too few cells rather than too many where it cannot tell, and keeps such lines whole', () => {
    const archive = new ScrollbackArchive();
    const wide = '漢字'.repeat(20); // 80 cells, counted as none
    archive.appendRows(['serialized a', 'serialized b'], [30, 5]);
    archive.replaceWithOutput(Buffer.from(`${wide}\r\nshort`), '');
    archive.keepRows(2, 20);
    assert.equal(plain(archive.replay()), `${wide}\r\nshort\r\n`, 'a wide line counts one row, and stays whole');
    archive.appendRows(['row one', 'row two'], [30, 5]);
    archive.keepRows(3, 20);
    assert.equal(plain(archive.replay()), 'row one\r\nrow two\r\n', 'serialized rows go by whole lines');
  });

  it('counts the cells a line fills at least: printable ASCII after its last CR, colours not counted', () => {
    assert.equal(cellsAtLeast('\x1b[1;31merror\x1b[0m: at \x1b[38:5:196mx\x1b[m'), 'error: at x'.length);
    assert.equal(cellsAtLeast('[####......] 40%\r[#######...] 70%'), '[#######...] 70%'.length, 'a redraw');
    assert.equal(
      cellsAtLeast('a\x1b[2Kb'),
      'a[2Kb'.length,
      'not a colour: its text is counted (too few cells is safe)',
    );
    assert.equal(cellsAtLeast('\x1b[31'), '[31'.length, 'an unfinished sequence');
    assert.equal(cellsAtLeast('日本 ok'), ' ok'.length, 'wide characters are not counted');
    assert.equal(cellsAtLeast('abc\bd'), 0, 'a backspace: unknown');
  });
});
