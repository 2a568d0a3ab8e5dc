import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import serializePkg from '@xterm/addon-serialize';
import headlessPkg from '@xterm/headless';
import { pino } from 'pino';
import { eventually } from '../test-support/runner-harness.js';
import { type MirrorEvents, ScreenMirror } from './screen-mirror.js';

const SCROLLBACK = 200;
const quiet: MirrorEvents = { onBacklog: () => {}, onTitle: () => {} };

/** A logger whose messages a test can read. */
function recordingLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const count = (msg: string) => lines.filter((l) => (JSON.parse(l) as { msg: string }).msg === msg).length;
  return { log, count };
}

/** A headless xterm fed every byte: what the mirror's replay must equal. */
class ReferenceScreen {
  private readonly term: InstanceType<typeof headlessPkg.Terminal>;
  private readonly serializer = new serializePkg.SerializeAddon();
  constructor(cols: number, rows: number) {
    this.term = new headlessPkg.Terminal({ cols, rows, scrollback: SCROLLBACK, allowProposedApi: true });
    this.term.loadAddon(this.serializer);
  }
  write(data: Buffer): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }
  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }
  serialize(): string {
    return this.serializer.serialize({ scrollback: SCROLLBACK });
  }
  dispose(): void {
    this.term.dispose();
  }
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
        const reference = new ReferenceScreen(cols, rows);
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
            assert.equal(await handle.snapshot(), reference.serialize(), `${name}: replay after piece ${i}`);
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
