import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import serializePkg from '@xterm/addon-serialize';
import headlessPkg from '@xterm/headless';
import { EvictedOutputFilter } from './evicted-output.js';

const COLS = 80;
const ROWS = 24;
const SCROLLBACK = 100;

/** Parses chunks into a fresh headless xterm and returns what a replay would send. */
async function screenAfter(chunks: string[]): Promise<string> {
  const term = new headlessPkg.Terminal({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true });
  const serializer = new serializePkg.SerializeAddon();
  term.loadAddon(serializer);
  for (const c of chunks) await new Promise<void>((resolve) => term.write(c, resolve));
  const out = serializer.serialize({ scrollback: SCROLLBACK });
  term.dispose();
  return out;
}

/** The filter reads and writes UTF-8 bytes. */
const toBytes = (text: string) => Buffer.from(text);
const fromBytes = (bytes: Buffer) => bytes.toString();

async function assertSameScreen(chunks: string[]): Promise<{ before: number; after: number }> {
  const filter = new EvictedOutputFilter(ROWS, SCROLLBACK, COLS);
  const filtered = chunks.map((c) => fromBytes(filter.filter(toBytes(c))));
  assert.equal(await screenAfter(filtered), await screenAfter(chunks));
  return { before: chunks.join('').length, after: filtered.join('').length };
}

const lines = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join('');

describe('EvictedOutputFilter', () => {
  it('drops what a plain flood scrolls away, and the screen is the same', async () => {
    const flood = lines(5000, (i) => `line ${i} ${'='.repeat(i % 90)}\r\n`);
    const { before, after } = await assertSameScreen(['$ cat big.log\r\n', flood, 'tail without newline']);
    assert.ok(after < before / 10, `${before} → ${after} characters`);
  });

  it('keeps colours: the attributes in force after the dropped part are the same', async () => {
    const colored = lines(3000, (i) => `\x1b[${31 + (i % 6)}m${i}\x1b[1m bold\x1b[0m plain \x1b[42m${i}\r\n`);
    const { before, after } = await assertSameScreen([colored, 'still green background?']);
    assert.ok(after < before / 5);
  });

  it('keeps wrapped long lines, tabs and carriage-return progress bars exact', async () => {
    const text = lines(2000, (i) => `${'x'.repeat(150)}\t${i}\r${i % 7}\b\x07\r\n`);
    await assertSameScreen([text, lines(50, (i) => `progress ${i}%\r`)]);
  });

  it('drops whole rows inside one very long line (a minified bundle), after a prompt at any column', async () => {
    // Printable noise, so that a row shifted by one character would show.
    const noise = (n: number, seed: number) =>
      Array.from({ length: n }, (_, i) => String.fromCharCode(33 + ((i * 7919 + seed * 104729) % 94))).join('');
    for (const prompt of ['$ ', '$ cat bundle.min.js # a longer command line', '']) {
      const { before, after } = await assertSameScreen([prompt, noise(200_000, prompt.length), '\r\n$ ']);
      assert.ok(after < before / 5, `${before} → ${after} characters`);
    }
    // In pieces, with colours between stretches, a wide character and a tab inside, and a pending wrap.
    const pieces = [
      `${'w'.repeat(COLS)}`,
      noise(70_000, 1),
      `\x1b[31m${noise(90_000, 2)}\x1b[0m`,
      `日本${noise(50_000, 3)}\t${noise(120_000, 4)}\x7f${noise(200_000, 5)}`,
      '\r\n',
    ];
    const { before, after } = await assertSameScreen(pieces);
    assert.ok(after < before, `${before} → ${after} characters`);
  });

  it('drops progress redraws that a later, longer redraw overwrites, and keeps what a shorter one leaves', async () => {
    const bar = (i: number) => `\r[${'#'.repeat(i % 60).padEnd(60, '.')}] ${i % 101}%`;
    const progress = lines(4000, (i) => `${bar(i)}${i % 997 === 996 ? '\r\n' : ''}`);
    const { before, after } = await assertSameScreen(['$ npm install\r\nDownloading ', progress, '\r\ndone']);
    assert.ok(after < before / 5, `${before} → ${after} characters`);
    // The last redraw is shorter than earlier ones: the longer ones' ends stay on screen.
    const shrinking = lines(3000, (i) => `\r${'x'.repeat(70 - (i % 70))}`);
    await assertSameScreen(['prefix text that is long enough to show', shrinking, `\r\x1b[32mok\x1b[0m`, '\r\n']);
    // Redraws longer than a row wrap, and are parsed as they are.
    // (Each one moves the cursor down a row: 60 of them leave the lines before in the scrollback.)
    await assertSameScreen([
      lines(10, (i) => `line ${i}\r\n`),
      lines(60, (i) => `\r${String(i % 10).repeat(COLS + 1)}`),
      '\r\n',
    ]);
  });

  it('drops inside a long line that begins with other sequences (bash switching bracketed paste off)', async () => {
    const long = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(33 + ((i * 31) % 94))).join('');
    const { before, after } = await assertSameScreen([
      '$ cat bundle.js\r\n',
      `\x1b[?2004l\r\x1b[5;10H\x1b]0;t\x07${long}`,
      '\r\n$ ',
    ]);
    assert.ok(after < before / 5, `${before} → ${after} characters`);
    // Not when the same line turns autowrap off, or sets a scroll region, before the text.
    for (const prefix of ['\x1b[?2004l\x1b[?7l', '\x1b[2;20r\x1b[20;1H']) {
      const filtered = new EvictedOutputFilter(ROWS, SCROLLBACK, COLS).filter(toBytes(`${prefix}${long}`));
      assert.equal(filtered.length, prefix.length + long.length, JSON.stringify(prefix));
      await assertSameScreen([`${prefix}${long}`, '\r\n']);
    }
  });

  it('keeps a long line whole while autowrap is off, and drops inside it again once it is on', async () => {
    const long = 'y'.repeat(200_000);
    await assertSameScreen(['\x1b[?7l', long, '\r\nend']);
    const filter = new EvictedOutputFilter(ROWS, SCROLLBACK, COLS);
    filter.filter(toBytes('\x1b[?7l'));
    assert.equal(filter.filter(toBytes(long)).length, long.length, 'untouched without autowrap');
    filter.filter(toBytes('\x1b[?7h'));
    assert.ok(filter.filter(toBytes(long)).length < long.length / 10, 'dropping resumes with autowrap');
    await assertSameScreen(['\x1b[?7l', long, '\x1b[?7h', long, '\r\n']);
  });

  it('never drops across cursor movement, titles or erase sequences', async () => {
    const chunk = lines(2000, (i) => (i === 1000 ? '\x1b[10;5HMOVED\x1b]0;title\x07\x1b[2K' : `${i}\r\n`));
    await assertSameScreen([chunk]);
  });

  it('never drops while a scroll region is in force, and resumes after it is cleared', async () => {
    const inRegion = ['\x1b[1;10r\x1b[20;1H', lines(2000, (i) => `below ${i}\r\n`)];
    await assertSameScreen(inRegion);
    const filter = new EvictedOutputFilter(ROWS, SCROLLBACK, COLS);
    filter.filter(toBytes('\x1b[1;10r'));
    const flood = lines(2000, (i) => `${i}\r\n`);
    assert.equal(fromBytes(filter.filter(toBytes(flood))), flood, 'untouched while the region is set');
    filter.filter(toBytes('\x1b[r'));
    assert.ok(filter.filter(toBytes(flood)).length < flood.length, 'dropping resumes once it is cleared');
  });

  it('reads UTF-8 as bytes: wide and accented floods are dropped, a C1 control is never crossed', async () => {
    const flood = lines(3000, (i) => `é ${i} 日本語 😀\r\n`);
    const { before, after } = await assertSameScreen([flood, 'tail é']);
    assert.ok(after < before / 10, `${before} → ${after} characters`);
    // CSI in its C1 form (U+009B, UTF-8 C2 9B) moves the cursor like ESC [ does.
    const c1 = lines(3000, (i) => (i === 10 ? '\u009b5;5H' : `${i}\r\n`));
    const kept = fromBytes(new EvictedOutputFilter(ROWS, SCROLLBACK, COLS).filter(toBytes(c1)));
    assert.ok(kept.includes('\u009b5;5H'), 'nothing before or at the C1 control is dropped');
    await assertSameScreen([c1]);
  });

  it('cuts the flood after a prompt, a command line and a scroll region set and cleared in the same output', async () => {
    const prompt = '\x1b]0;user@host\x07\x1b[?2004h$ cat big.log\r\n\x1b[?2004l\r';
    const flood = lines(4000, (i) => `line ${i}\r\n`);
    const { before, after } = await assertSameScreen([`${prompt}\x1b[1;10r\x1b[r${flood}`]);
    assert.ok(after < before / 10, `${before} → ${after} characters`);
  });

  it('cuts a flood between two prompts, each run of plain lines on its own', async () => {
    const prompt = (cmd: string) => `\x1b]0;user@host\x07\x1b[?2004h$ ${cmd}\r\n\x1b[?2004l\r`;
    const flood = (tag: string) => lines(3000, (i) => `${tag} ${i} ${'='.repeat(i % 70)}\r\n`);
    const output = `${prompt('cat a')}${flood('a')}${prompt('cat b')}\x1b[32m${flood('b')}\x1b[0m${prompt('')}`;
    const { before, after } = await assertSameScreen([output]);
    assert.ok(after < before / 5, `${before} → ${after} characters: both floods are cut`);
  });

  it('gives the same screen for random mixes of floods and control sequences, split anywhere', async () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [
      () => lines(200 + random(600), (i) => `${i} ${'x'.repeat(random(120))}\r\n`),
      () => `\x1b[${31 + random(7)}m`,
      () => '\x1b[0m',
      () => `\x1b[${1 + random(24)};${1 + random(80)}H`,
      () => '\x1b[2K',
      () => `\x1b]0;title ${random(100)}\x07`,
      () => `\x1b[${1 + random(5)};${10 + random(10)}r`,
      () => '\x1b[r',
      () => '\x1b[?1049h',
      () => '\x1b[?1049l',
      () => 'é 日本 😀\r\n',
    ];
    let before = 0;
    let after = 0;
    for (let round = 0; round < 12; round++) {
      let text = '';
      for (let k = 0; k < 12; k++) text += (pieces[random(pieces.length)] as () => string)();
      const chunks: string[] = [];
      for (let at = 0; at < text.length; ) {
        let end = Math.min(text.length, at + 1 + random(20_000));
        if (/[\uDC00-\uDFFF]/.test(text[end] ?? '')) end++; // never split a surrogate pair (the runner cuts on characters)
        chunks.push(text.slice(at, end));
        at = end;
      }
      const sizes = await assertSameScreen(chunks);
      before += sizes.before;
      after += sizes.after;
    }
    assert.ok(after < before * 0.9, `some of the mixes were cut (${before} → ${after} characters)`);
  });

  it('cuts a plain flood given in pieces without joining it, to the same screen', async () => {
    const plain = toBytes(lines(3000, (i) => `line ${i} ${'='.repeat(i % 90)}\r\n`));
    // A colour set every 100 lines: the first kept lines are drawn in one set among the dropped.
    const colored = toBytes(
      lines(3000, (i) => `${i % 100 === 0 ? `\x1b[3${(i / 100) % 7}m` : ''}${i} ${'-'.repeat(i % 40)}\r\n`),
    );
    // Pieces of 1–5000 bytes for the plain flood (some end between a CR and its LF); whole
    // lines for the coloured one (a piece that ends inside an escape sequence is not plain).
    const anywhere: Buffer[] = [];
    for (let at = 0, size = 1; at < plain.length; at += size, size = (size * 7919) % 5000 || 1) {
      anywhere.push(plain.subarray(at, at + size));
    }
    const byLines: Buffer[] = [];
    for (let at = 0; at < colored.length; ) {
      const end = colored.indexOf('\n', at + 3000) + 1 || colored.length;
      byLines.push(colored.subarray(at, end));
      at = end;
    }
    for (const pieces of [anywhere, byLines]) {
      const whole = Buffer.concat(pieces);
      const split = new EvictedOutputFilter(ROWS, SCROLLBACK, COLS).splitPieces(pieces);
      assert.ok(split, 'plain pieces are split in place');
      assert.ok(split.parse.length + split.tail.length < whole.length / 5, 'most of the flood is dropped');
      assert.equal(
        await screenAfter(['$ cat\r\n', fromBytes(split.parse), fromBytes(split.tail)]),
        await screenAfter(['$ cat\r\n', fromBytes(whole)]),
      );
    }
    const unsafe = [plain, toBytes('\x1b[2J')];
    assert.equal(
      new EvictedOutputFilter(ROWS, SCROLLBACK, COLS).splitPieces(unsafe),
      null,
      'anything else is left to split()',
    );
  });

  it('handles the alternate screen and output split across chunks', async () => {
    const flood = lines(3000, (i) => `alt ${i}\r\n`);
    await assertSameScreen([
      'normal screen text\r\n',
      '\x1b[?1049h',
      flood.slice(0, 9999),
      flood.slice(9999),
      '\x1b[?1049l',
    ]);
  });

  it('never drops the start of a batch that continues an escape sequence split at the batch edge', async () => {
    const flood = lines(3000, (i) => `${i}\r\n`);
    // SGR split in two, an OSC title whose payload spans batches, and a split scroll region.
    await assertSameScreen(['before \x1b[3', `1m${flood}`, 'red tail']);
    await assertSameScreen(['\x1b]0;a long ti', `tle\r\n${flood}`, '\x07after']);
    await assertSameScreen(['\x1b[1;1', `0r\x1b[20;1H${flood}`]);
  });

  it('still drops a colour flood whose chunks end inside its SGR sequences', async () => {
    const flood = lines(6000, (i) => `\x1b[3${i % 8}m${i}\x1b[1m error\x1b[0m at line ${i}\r\n`);
    // Every chunk ends inside a sequence, as a PTY's reads do at random in such a flood.
    const chunks: string[] = [];
    for (let at = 0, k = 1; at < flood.length; k++) {
      const esc = flood.indexOf('\x1b[', at + 30_000);
      const end = esc === -1 ? flood.length : esc + 2 + (k % 2);
      chunks.push(flood.slice(at, end));
      at = end;
    }
    assert.ok(chunks.length > 5);
    const { before, after } = await assertSameScreen(chunks);
    assert.ok(after < before / 3, `${before} → ${after} characters`);
    // A title left open across chunks is parsed until it ends, and what follows is dropped again.
    const titled = await assertSameScreen(['\x1b]0;a title', ` that ends here\x07${flood}`]);
    assert.ok(titled.after < titled.before / 3, `${titled.before} → ${titled.after} characters`);
    // …also one begun further back than the filter remembers, ended by BEL or by ST (ESC \).
    const long = `\x1b]0;${'a title longer than the carried tail '.repeat(3)}`;
    for (const end of ['\x07', '\x1b\\']) {
      const r = await assertSameScreen([long, `more title${end}${flood}`]);
      assert.ok(r.after < r.before / 3, `${r.before} → ${r.after} characters`);
    }
  });

  it('with part of the scrollback kept parsed, hands the older kept lines over to archive, in order, whole or in pieces', () => {
    const output = `${Array.from({ length: 1000 }, (_, i) => `${i}\r\n`).join('')}prompt$ `;
    const numbers = (text: string) => (text.match(/^\d+$/gm) ?? []).map(Number);
    for (const pieces of [false, true]) {
      const filter = new EvictedOutputFilter(24, 200, 80, 50);
      const bytes = Buffer.from(output);
      const split = pieces
        ? filter.splitPieces([0, 3000, 3001, 3900, 4500].map((at, i, all) => bytes.subarray(at, all[i + 1])))
        : filter.split(bytes);
      assert.ok(split?.archive, 'an archive');
      const { parse, tail, archive } = split;
      assert.equal(numbers(parse.subarray(0, archive.at).toString()).length, 0, 'nothing before the archive is kept');
      const archived = numbers(archive.text.toString().replaceAll('\r\n', '\n'));
      const parsed = numbers(`${parse.subarray(archive.at)}${tail}`.replaceAll('\r\n', '\n'));
      const first = archived[0] ?? 0;
      assert.deepEqual(
        [...archived, ...parsed],
        Array.from({ length: 1000 - first }, (_, i) => first + i),
      );
      assert.ok(archived.length + parsed.length >= 224, 'the screen and the whole scrollback');
      assert.ok(parsed.length >= 74 && parsed.length < 100, `the screen and the parsed rows (${parsed.length})`);
    }
  });
});
