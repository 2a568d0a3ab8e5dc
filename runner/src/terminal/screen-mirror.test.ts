import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { ReferenceScreen, replayed } from '../test-support/reference-screen.js';
import { eventually, sleep } from '../test-support/runner-harness.js';
import { type MirrorEvents, type MirrorHandle, ScreenMirror } from './screen-mirror.js';

const SCROLLBACK = 400; // (more than the 200 rows xterm keeps while a flood is archived)
const quiet: MirrorEvents = { onBacklog: () => {}, onTitle: () => {} };

/** A logger whose messages a test can read. */
function recordingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const count = (msg: string) => lines.filter((l) => (JSON.parse(l) as { msg: string }).msg === msg).length;
  return { log, count };
}

/** Output to the mirror and to the reference alike, in the pieces the runner would deliver. */
async function writeBoth(handle: MirrorHandle, reference: ReferenceScreen, text: string): Promise<void> {
  for (const piece of piecesOf(text)) {
    handle.write(piece);
    await reference.write(piece);
  }
}

/** A client attaching now sees what a client of an emulator fed every byte sees. */
async function assertSameReplay(handle: MirrorHandle, reference: ReferenceScreen, what: string): Promise<void> {
  const [seen, expected] = await Promise.all([
    replayed(await handle.snapshot(), reference.size, SCROLLBACK),
    replayed(reference.serialize(), reference.size, SCROLLBACK),
  ]);
  assert.equal(seen, expected, what);
}

let seed = 7;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
const linesOf = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i)).join('');
const bundle = 'function(a,b){return a+b};var x=[1,2,3].map(function(v){return v*2});';

/** The kinds of output people produce (the output benchmark's classes), as a PTY sends them (CR LF). */
const CLASSES: Record<string, () => string> = {
  'short lines': () => linesOf(3000, (i) => `${String(i).padStart(8, '0')} ${'='.repeat(i % 90)}\r\n`),
  'one huge line': () => `${bundle.repeat(5000)}\r\n`,
  'colour lines': () =>
    linesOf(3000, (i) => `\x1b[3${i % 8}m${i}\x1b[1m error\x1b[0m at \x1b[4mfile${i % 97}.ts\x1b[24m:${i}:7\r\n`),
  'long lines that wrap': () => linesOf(600, (i) => `${String(i % 10).repeat(500 + (i % 300))}\r\n`),
  'wide characters': () => linesOf(3000, (i) => `${i} 日本語のテキスト 😀 émigré ${'漢字'.repeat(i % 60)}\r\n`),
  'progress redrawn with CR': () =>
    linesOf(20_000, (i) => `\r[${'#'.repeat(i % 50).padEnd(50, '.')}] ${i % 100}%${i % 1000 === 999 ? '\r\n' : ''}`),
  'random printable noise': () =>
    randomBytes(300_000)
      .toString('base64')
      .replace(/(.{76})/g, '$1\r\n'),
  'a prompt between floods': () =>
    `\x1b[?2004h\x1b[1;32muser@repl\x1b[0m:~$ \x1b[?2004l\r\n${linesOf(1500, (i) => `${i}\r\n`)}\x1b]0;title\x07${bundle.repeat(2000)}`,
};

/** Cuts output into pieces of random size on character boundaries, as the runner delivers it. */
function piecesOf(text: string): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + 1 + random(32 * 1024));
    if (/[\uDC00-\uDFFF]/.test(text[end] ?? '')) end++;
    pieces.push(Buffer.from(text.slice(at, end)));
    at = end;
  }
  return pieces;
}

const SIZES: Array<[number, number]> = [
  [80, 24],
  [200, 50],
  [54, 12], // a progress bar (54–55 characters) just fits, or wraps
  [132, 43],
];

describe('ScreenMirror', () => {
  // The worker does not hold the process open (the runner's server does): here a timer must.
  let keepAlive: NodeJS.Timeout;
  before(() => {
    keepAlive = setInterval(() => {}, 1000);
  });
  after(() => clearInterval(keepAlive));

  it('replays what an emulator fed every byte shows, for every kind of output, with resizes in the middle of a flood', async () => {
    const { log } = recordingLogger();
    const mirror = new ScreenMirror(SCROLLBACK, log);
    try {
      // Each class twice, starting at two different sizes in turn.
      for (const [k, [name, make]] of Object.entries(CLASSES)
        .flatMap((c) => [c, c])
        .entries()) {
        const [cols, rows] = SIZES[k % SIZES.length] as [number, number];
        const handle = mirror.open(cols, rows, quiet);
        const reference = new ReferenceScreen(cols, rows, SCROLLBACK);
        const pieces = piecesOf(make() + make());
        let checks = 0;
        for (const [i, piece] of pieces.entries()) {
          handle.write(piece);
          await reference.write(piece);
          if (random(12) === 0) {
            const [c, r] = SIZES[random(SIZES.length)] as [number, number];
            handle.resize(c, r);
            reference.resize(c, r);
          }
          // Mid-flood replays now and then, and always at the end.
          if (random(8) === 0 || i === pieces.length >> 1 || i === pieces.length - 1) {
            await assertSameReplay(handle, reference, `${name}: replay after piece ${i}`);
            checks++;
          }
        }
        assert.ok(checks >= 2, `${name}: compared ${checks} times`);
        handle.dispose();
        reference.dispose();
      }
    } finally {
      await mirror.close();
    }
  });

  it('moves settled rows out of the emulator as text, and replays every row through erases, resets, the alternate screen and a growing screen', async () => {
    const { log } = recordingLogger();
    const mirror = new ScreenMirror(SCROLLBACK, log);
    const handle = mirror.open(80, 24, quiet);
    const reference = new ReferenceScreen(80, 24, SCROLLBACK);
    const both = (text: string) => writeBoth(handle, reference, text);
    const sameReplay = (what: string) => assertSameReplay(handle, reference, what);
    // Rows that went through xterm (an erase in each line: nothing is dropped unparsed) are
    // archived once output settles; a replayed archived row ends with a reset and CR LF.
    const settled = (rows: number) =>
      eventually(async () => (await handle.snapshot()).split('\x1b[0m\r\n').length > rows, 10_000, 'rows archived');
    const rows = (n: number, tag: string) =>
      linesOf(n, (i) =>
        i % 7 === 0
          ? `\x1b[K${tag} ${i} \x1b[41mred ${'漢字'.repeat(i % 30)}\x1b[0m ${'-'.repeat(i % 120)}\r\n`
          : `\x1b[K${tag} ${i} ${'='.repeat(i % 100)}\r\n`,
      );
    try {
      await both(rows(400, 'first'));
      await settled(40);
      await sameReplay('archived rows');
      for (const [cols, rows] of [
        [54, 12],
        [132, 43],
      ] as const) {
        handle.resize(cols, rows); // archived rows rewrap as the terminal reflows its own
        reference.resize(cols, rows);
        await sameReplay(`archived rows, resized to ${cols}×${rows}`);
      }
      await both(rows(50, 'more'));
      await sameReplay('archived rows, then rows in xterm again');
      await both('\x1b[H\x1b[2J\x1b[3J');
      await sameReplay('after clear (ED3 erases the scrollback)');
      await both(`${rows(300, 'again')}${linesOf(3000, (i) => `flood ${i}\r\n`)}`);
      await sameReplay('a flood after archived rows');
      await both('\x1b[?1049h\x1b[Hon the alternate screen\r\n');
      await both(linesOf(2000, (i) => `alternate ${i}\r\n`));
      await sameReplay('a flood on the alternate screen leaves the scrollback alone');
      await both('\x1b[?1049lback\r\n');
      await sameReplay('back on the normal screen');
      await both(`${rows(300, 'last')}${linesOf(3000, (i) => `flood ${i}\r\n`)}\x1bcafter a reset\r\n`);
      await sameReplay('after a full reset (RIS)');
      await both(linesOf(3000, (i) => `flood again ${i}\r\n`));
      handle.resize(100, 150); // more rows than xterm keeps parsed: the archived rows come back
      reference.resize(100, 150);
      await sameReplay('a screen grown by more than the parsed scrollback');
    } finally {
      handle.dispose();
      reference.dispose();
      await mirror.close();
    }
  });

  it('replays exactly through random mixes of floods, slow output, settled rows, resizes, erases and the alternate screen', async () => {
    const { log } = recordingLogger();
    const mirror = new ScreenMirror(SCROLLBACK, log, undefined, 20); // rows archived 20 ms after output stops
    const slow = (n: number) =>
      linesOf(n, (i) =>
        i % 5 === 0
          ? `\x1b[K\x1b[4${i % 8}m${i} bg\x1b[0m ${'漢'.repeat(i % 50)} ${'-'.repeat(i % 140)}\r\n`
          : `\x1b[K\x1b[3${i % 8}mslow ${i}\x1b[0m ${'.'.repeat(i % 90)}\r\n`,
      );
    const floods = Object.values(CLASSES);
    try {
      for (let round = 0; round < 4; round++) {
        const [cols, rows] = SIZES[round] as [number, number];
        const handle = mirror.open(cols, rows, quiet);
        const reference = new ReferenceScreen(cols, rows, SCROLLBACK);
        const both = (text: string) => writeBoth(handle, reference, text);
        const steps: string[] = [];
        for (let step = 0; step < 30; step++) {
          const op = random(10);
          steps.push(String(op));
          if (op <= 2) await both((floods[random(floods.length)] as () => string)());
          else if (op <= 4) await both(slow(20 + random(400)));
          else if (op === 5)
            await sleep(400); // quiet: settled rows move to the archive (batches wait 300 ms)
          else if (op === 6) {
            const [c, r] = SIZES[random(SIZES.length)] as [number, number];
            handle.resize(c, r);
            reference.resize(c, r);
          } else if (op === 7) await both(random(2) ? '\x1b[H\x1b[2J\x1b[3J' : '\x1bc');
          else if (op === 8)
            await both(`\x1b[?1049h\x1b[H${slow(30)}${linesOf(500, (i) => `alt ${i}\r\n`)}\x1b[?1049l`);
          if (op === 9 || step === 29) {
            await assertSameReplay(handle, reference, `round ${round}, after steps ${steps.join(' ')}`);
          }
        }
        handle.dispose();
        reference.dispose();
      }
    } finally {
      await mirror.close();
    }
  });

  it('gives a screen made taller after a flood exactly the rows the terminal kept', async () => {
    const { log } = recordingLogger();
    const mirror = new ScreenMirror(SCROLLBACK, log);
    try {
      // (taller by less, and by more, than the rows xterm keeps parsed)
      for (const taller of [10, 90, 130, 250]) {
        const handle = mirror.open(80, 24, quiet);
        const reference = new ReferenceScreen(80, 24, SCROLLBACK);
        const flood = Buffer.from(`$ cat log\r\n${linesOf(3000, (i) => `line ${i} ${'x'.repeat(i % 70)}\r\n`)}`);
        handle.write(flood);
        await reference.write(flood);
        handle.resize(80, 24 + taller);
        reference.resize(80, 24 + taller);
        await assertSameReplay(handle, reference, `${taller} rows taller`);
        handle.dispose();
        reference.dispose();
      }
    } finally {
      await mirror.close();
    }
  });

  it('keeps its worker while terminals come and go, and ends it once none has been open for a while', async () => {
    const { log, count } = recordingLogger();
    const mirror = new ScreenMirror(SCROLLBACK, log, 300);
    try {
      const first = mirror.open(80, 24, quiet);
      first.write(Buffer.from('first\r\n'));
      assert.match(await first.snapshot(), /first/);
      first.dispose();
      const second = mirror.open(80, 24, quiet); // at once: the same worker serves it
      second.write(Buffer.from('second\r\n'));
      assert.match(await second.snapshot(), /second/);
      assert.equal(count('screen mirror started'), 1);
      second.dispose();
      await eventually(() => count('screen mirror stopped: no terminal is open') === 1 || undefined);

      const third = mirror.open(80, 24, quiet);
      third.write(Buffer.from('third\r\n'));
      assert.match(await third.snapshot(), /third/, 'a new worker mirrors the next terminal');
      assert.equal(count('screen mirror started'), 2);
      third.dispose();
    } finally {
      await mirror.close();
    }
  });
});
