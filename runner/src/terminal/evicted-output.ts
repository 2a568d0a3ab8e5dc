/**
 * Output that a terminal will certainly scroll out of its buffer does not need to be parsed to
 * know the final screen. This drops it, so the screen mirror keeps up with any flood.
 *
 * A stretch of whole lines may be dropped when
 *  - it is "plain": printable text, CR, LF, TAB, BS, BEL and SGR (colour) sequences only, so
 *    the only state it changes besides the buffer's content is the current SGR attributes;
 *  - it is followed by plain text holding at least `rows + scrollback` more CR LF pairs, which
 *    scroll everything before them out of a buffer that holds `rows + scrollback` lines;
 *  - no scroll region is in force (with a region, line feeds below it do not scroll).
 * The stretch is replaced by its SGR sequences since the last reset (the same attributes) and
 * `rows` CR LFs, which leave the cursor on the bottom row as the flood did, so every kept line
 * enters by scrolling and is erased with the same background (BCE). The result parses to the
 * same screen and scrollback as the original; evicted-output.test.ts checks that on a real
 * headless xterm.
 *
 * One very long line (a minified bundle, `base64` without wrapping) has no line ends to cut at.
 * Inside it, a stretch of printable ASCII (one cell per byte) wraps every `cols` characters
 * whatever column it starts at; dropping a multiple of `cols` characters from its start only
 * removes rows that are scrolled away anyway, as long as at least `rows + scrollback + 1` rows
 * of it follow (and autowrap is on, and no scroll region is set). The dropped rows were
 * continuation rows of the same line, so the rows kept are the same, wrap flags included.
 *
 * It works on the UTF-8 bytes, so a flood is scanned once and never decoded: every byte
 * that matters here is ASCII, and C1 controls are recognised in their UTF-8 form.
 */

import { cellRunEnd, isCellByte, isPlainAcross, isUnsafeControl, nextUnsafeByte } from './plain-text-scan.js';
import { SGR } from './sgr-state.js';

const SGR_RESET_SHORT = Buffer.from('\x1b[m');
const SGR_RESET_ZERO = Buffer.from('\x1b[0m');
/** DECSTBM with parameters sets a scroll region; without, or a full reset (RIS), clears it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const REGION = /\x1b\[(\d*;?\d*)r|\x1bc/g;
/** A complete escape sequence: CSI, a string sequence (OSC, DCS, …) with its terminator, or a two-character escape. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const COMPLETE_SEQUENCE = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)|[ -OQ-WYZ\\`-~])/;

const ESC = 0x1b;
const BEL = 0x07;
const CRLF = Buffer.from('\r\n');
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** Shorter plain runs are parsed whole: cutting them saves less than it costs. */
const MIN_DROP_BYTES = 4096;

/** DECSET/DECRST with their parameters (autowrap is mode 7), or a full reset. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const PRIVATE_MODES = /\x1b\[\?([\d;]+)([hl])|\x1bc/g;
/** DECSET modes that switch to the alternate screen (and back with DECRST). */
const ALTERNATE_SCREEN_MODES = new Set(['47', '1047', '1049']);

/** Output as split() leaves it: what to parse, the trailing plain lines, and lines to archive. */
export interface FilteredOutput {
  parse: Buffer;
  tail: Buffer;
  archive?: ArchivedOutput;
}

/**
 * Whole lines (CR LF between them and after the last) that a flood leaves in the scrollback
 * beyond the rows kept parsed: their place in the output is `at` in `parse`, where the cursor
 * has just scrolled to a fresh bottom row, with the attributes they begin with in force.
 */
export interface ArchivedOutput {
  text: Buffer;
  at: number;
  /** When only lines of the same run follow in this output: the rows they take at most. */
  keptRowsAtMost?: number;
}

/** A place in output that arrives in pieces: `offset` bytes into piece `piece`. */
interface Position {
  piece: number;
  offset: number;
}

export class EvictedOutputFilter {
  private scrollRegion = false;
  /** DECAWM: with autowrap off, a long line does not wrap, and nothing inside it may be dropped. */
  private autowrap = true;
  /** On the alternate screen nothing scrolls into the scrollback: nothing is archived. */
  private alternateScreen = false;
  /** The previous output ended inside an escape sequence: the next one starts mid-sequence. */
  private openSequence = false;
  /** The previous output's tail (as a byte string), so a region sequence split between two is still seen. */
  private carry = '';
  private lines: number;
  /** Rows of the buffer that are parsed; the rest of a flood's last `lines` rows is archived. */
  private parsedLines: number;

  /**
   * `parsedScrollback`: how much of the scrollback is kept parsed. With less than `scrollback`,
   * a flood's older lines that stay in the scrollback are not parsed either: split() hands
   * them over as `archive`, to keep as text (ScrollbackArchive).
   */
  constructor(
    private rows: number,
    private readonly scrollback: number,
    private cols: number,
    private readonly parsedScrollback = scrollback,
  ) {
    this.lines = rows + scrollback;
    this.parsedLines = rows + parsedScrollback;
  }

  /** Whether output has set a scroll region (DECSTBM) that is still in force. */
  get hasScrollRegion(): boolean {
    return this.scrollRegion;
  }

  resize(rows: number, cols: number): void {
    this.rows = rows;
    this.cols = cols;
    this.lines = rows + this.scrollback;
    this.parsedLines = rows + this.parsedScrollback;
  }

  /**
   * The bytes to parse instead of `bytes`; same final screen, usually far shorter in a flood.
   * Output is read as plain runs of whole lines between lines holding anything else (a prompt,
   * a cursor movement): each run is cut on its own, as if the output had arrived in parts.
   */
  filter(bytes: Buffer): Buffer {
    const { parse, tail } = this.split(bytes); // (never an archive: the whole scrollback is parsed)
    return tail.length === 0 ? parse : parse.length === 0 ? tail : Buffer.concat([parse, tail]);
  }

  /**
   * filter(), with the output's trailing plain lines apart: parsing `parse`, then `tail`, is
   * the same as parsing filter()'s result, and a caller may instead put `tail` (raw output)
   * in front of the next output, where a continuing flood will likely drop it unparsed.
   * With an `archive`, its lines are the scrollback's older rows, and they come after
   * everything that `parse` holds before `archive.at`.
   */
  split(bytes: Buffer): FilteredOutput {
    const n = bytes.length;
    if (this.openSequence) {
      // It continues a sequence that the previous output cut (a flood's chunks end anywhere, SGR
      // included): that is parsed as it is, and what follows it is filtered as usual.
      const end = this.openSequenceEnd(bytes);
      if (end === -1) {
        this.trackState(bytes);
        return { parse: bytes, tail: bytes.subarray(n) };
      }
      this.trackState(bytes.subarray(0, end)); // (a region or mode it sets is seen: carry holds its start)
      this.openSequence = false;
      const rest = this.split(bytes.subarray(end));
      const archive = rest.archive && { ...rest.archive, at: rest.archive.at + end };
      return { parse: Buffer.concat([bytes.subarray(0, end), rest.parse]), tail: rest.tail, archive };
    }
    const kept: Buffer[] = [];
    let keptBytes = 0;
    const keep = (b: Buffer) => {
      kept.push(b);
      keptBytes += b.length;
    };
    let archive: ArchivedOutput | undefined;
    let emitted = 0; // bytes before this are in `kept` or dropped
    let run = 0; // start of the current plain run
    let tailFrom = n;
    for (;;) {
      // Printable ASCII is plain: the scan for what is not starts after it, and the long lines'
      // stretches need not be read again (a minified bundle is one such stretch, megabytes long).
      const cellsTo = cellRunEnd(bytes, run, n);
      const unsafe = cellsTo === n ? -1 : nextUnsafeByte(bytes, cellsTo);
      const runEnd = unsafe === -1 ? n : unsafe;
      const cut = this.scrollRegion ? null : this.cutIn(bytes, run, runEnd);
      if (cut && this.alternateScreen) cut.parsed = cut.archived;
      if (cut) {
        keep(bytes.subarray(emitted, run));
        keep(this.replacementFor(bytes.subarray(run, cut.archived)));
        if (cut.parsed > cut.archived) {
          const archived = bytes.subarray(cut.archived, cut.parsed);
          archive = { text: archived, at: keptBytes };
          // (nothing but these lines follows: how many rows they take at most)
          if (unsafe === -1) archive.keptRowsAtMost = this.rowsAtMost(bytes.subarray(cut.parsed, n));
          keep(Buffer.from(attributesOf(archived), 'latin1'));
        }
        emitted = cut.parsed;
      }
      for (const [from, to] of this.dropsInLines(bytes, Math.max(run, emitted), runEnd, cellsTo)) {
        keep(bytes.subarray(emitted, from));
        emitted = to;
      }
      if (unsafe === -1) {
        tailFrom = Math.max(run, emitted);
        break;
      }
      // The line holding it is parsed as it is, and its state changes are tracked, up to its last
      // sequence that is not plain; after that, the line may still hold stretches to drop (a
      // shell's bracketed-paste switch, then a minified bundle). A run starts after the line.
      const lineEnd = bytes.indexOf(CRLF, unsafe);
      run = lineEnd === -1 ? n : lineEnd + 2;
      const lineStop = lineEnd === -1 ? n : lineEnd;
      const plainFrom = this.scrollRegion ? -1 : plainRestOfLine(bytes, unsafe, lineStop);
      if (plainFrom === -1 || lineStop - plainFrom < MIN_DROP_BYTES) {
        this.trackState(bytes.subarray(unsafe, run));
      } else {
        this.trackState(bytes.subarray(unsafe, plainFrom));
        const drops = this.openSequence ? [] : this.dropsInLines(bytes, plainFrom, lineStop);
        for (const [from, to] of drops) {
          keep(bytes.subarray(emitted, from));
          emitted = to;
        }
        // The rest of the line is plain (SGR at most): nothing in it changes the state tracked.
        this.carry = bytes.toString('latin1', Math.max(plainFrom, run - 32), run);
      }
      if (this.openSequence) {
        this.trackState(bytes.subarray(run)); // a sequence runs past the line: the rest stays as it is
        break;
      }
      if (run >= n) break;
    }
    keep(bytes.subarray(emitted, tailFrom));
    const parse = emitted === 0 ? bytes.subarray(0, tailFrom) : Buffer.concat(kept);
    return { parse, tail: bytes.subarray(tailFrom), archive };
  }

  /**
   * split() for output that arrives in pieces, without joining them when every piece is plain
   * (a flood): only the lines that survive are copied. Null when that does not apply.
   */
  splitPieces(pieces: readonly Uint8Array[]): FilteredOutput | null {
    if (this.openSequence || this.scrollRegion) return null;
    const views = pieces.map((p) => Buffer.from(p.buffer, p.byteOffset, p.length));
    // Walk back over whole lines filling `rows + scrollback` rows, piece by piece (a line split
    // between two pieces counts one row, and a pair split so is not seen: cutting later than
    // possible is always safe). Where they fill the rows kept parsed is noted on the way.
    let rows = -1; // the last line end found starts the count: what follows it is unfinished
    let piece = views.length - 1;
    let at = -1;
    let parsed: Position | null = null;
    search: for (; piece >= 0; piece--) {
      const view = views[piece] as Buffer;
      let later = -1; // the line end found before this one in this piece
      for (let from = view.length; from >= 1; from = at) {
        at = view.lastIndexOf(CRLF, from - 1);
        if (at < 0) break;
        rows += rows < 0 || later < 0 ? 1 : this.rowsOf(view, at + 2, later);
        later = at;
        if (rows >= this.lines) break search;
        if (!parsed && rows >= this.parsedLines) parsed = { piece, offset: at + 2 };
      }
    }
    // Too few line ends to cut at (split() looks inside long lines too), or not all plain: this
    // cheaper test first, so that output without line ends is scanned once, in split().
    if (rows < this.lines || !isPlainAcross(views)) return null;
    const archivedFrom: Position = { piece, offset: at + 2 };
    if (this.alternateScreen) parsed = null;
    const parsedFrom = parsed ?? archivedFrom;
    const dropped = piecesBetween(views, { piece: 0, offset: 0 }, archivedFrom);
    const unparsed = piecesBetween(views, { piece: 0, offset: 0 }, parsedFrom);
    if (unparsed.reduce((n, v) => n + v.length, 0) < MIN_DROP_BYTES)
      return { parse: EMPTY, tail: Buffer.concat(views) };
    const tail = Buffer.concat(piecesBetween(views, parsedFrom, { piece: views.length, offset: 0 }));
    const replacement = this.replacementFor(fromLastReset(dropped));
    if (parsed === null) return { parse: replacement, tail };
    const archived = piecesBetween(views, archivedFrom, parsedFrom);
    return {
      parse: Buffer.concat([replacement, Buffer.from(attributesOf(fromLastReset(archived)), 'latin1')]),
      tail,
      archive: { text: Buffer.concat(archived), at: replacement.length, keptRowsAtMost: this.rowsAtMost(tail) },
    };
  }

  /**
   * Where to cut the plain run `[start, end)`: the whole lines after `archived` fill at least
   * `rows + scrollback` rows, and those after `parsed` at least the rows kept parsed (the
   * same place when the whole scrollback is parsed). Null when the run is too short for that
   * to be worth it.
   */
  private cutIn(bytes: Buffer, start: number, end: number): { archived: number; parsed: number } | null {
    if (end <= start) return null; // (and lastIndexOf from -1 would search from the buffer's end)
    let at = bytes.lastIndexOf(CRLF, end - 1);
    let parsed = -1;
    for (let rows = 0; rows < this.lines; ) {
      if (parsed === -1 && rows >= this.parsedLines) parsed = at + 2;
      if (at <= start) return null;
      const before = bytes.lastIndexOf(CRLF, at - 1);
      if (before < start) return null;
      rows += this.rowsOf(bytes, before + 2, at);
      at = before;
    }
    const archived = at + 2;
    if (parsed === -1) parsed = archived;
    return parsed - start < MIN_DROP_BYTES ? null : { archived, parsed };
  }

  /**
   * Rows that output (whole lines, the last maybe unfinished) takes at most: a line of `b`
   * bytes fills no more than ceil(b / cols) rows, so all of them no more than
   * ceil(bytes / cols) + their number.
   */
  private rowsAtMost(bytes: Buffer): number {
    let lines = 1;
    for (let at = bytes.indexOf(CRLF); at !== -1; at = bytes.indexOf(CRLF, at + 2)) lines++;
    return Math.ceil(bytes.length / this.cols) + lines;
  }

  /**
   * The rows a whole line `[from, to)` (begun at column 0) moves the cursor down, wraps included:
   * exact for printable ASCII; anything else counts one row, never more than it takes.
   */
  private rowsOf(bytes: Buffer, from: number, to: number): number {
    const length = to - from;
    if (length <= this.cols) return 1;
    return cellRunEnd(bytes, from, to) === to ? Math.ceil(length / this.cols) : 1;
  }

  /**
   * What inside the lines of `[start, end)` changes nothing on screen (rows of very long lines,
   * overwritten CR redraws), in order; nothing under a scroll region or with autowrap off.
   * Everything before `cellsTo` is known to be printable ASCII.
   */
  private dropsInLines(bytes: Buffer, start: number, end: number, cellsTo = start): Array<[number, number]> {
    if (this.scrollRegion || !this.autowrap) return [];
    const drops = [...this.rowsInLongLines(bytes, start, end, cellsTo), ...this.overwrittenByCR(bytes, start, end)];
    return drops.sort((a, b) => a[0] - b[0]);
  }

  /**
   * Stretches of `[start, end)` made of whole rows of a very long printable line, each followed by
   * more than `rows + scrollback` rows of the same stretch: they scroll away unseen.
   */
  private *rowsInLongLines(bytes: Buffer, start: number, end: number, cellsTo: number): Generator<[number, number]> {
    const keep = (this.lines + 1) * this.cols;
    const minRun = keep + MIN_DROP_BYTES;
    // Any stretch that long holds one of the bytes probed here, `minRun` apart: only from a probe
    // that is a cell byte is a stretch looked for, so ordinary lines are barely read.
    let scanned = start; // no stretch begins before this
    for (let probe = start + minRun - 1; probe < end; probe += minRun) {
      if (!isCellByte(bytes[probe] as number)) continue;
      let from = probe;
      while (from > scanned && isCellByte(bytes[from - 1] as number)) from--;
      const to = cellRunEnd(bytes, Math.max(probe, Math.min(cellsTo, end)), end);
      const droppable = Math.floor((to - from - keep) / this.cols) * this.cols;
      if (droppable >= MIN_DROP_BYTES) yield [from, from + droppable];
      scanned = to;
      probe = to;
    }
  }

  /**
   * Redraws with CR (a progress bar): in a chain of `CR text` pieces whose text is printable and
   * shorter than a row, every piece before the last of the longest ones is overwritten cell for
   * cell by it, so the bytes from the first CR up to that piece's CR change nothing on screen.
   */
  private *overwrittenByCR(bytes: Buffer, start: number, end: number): Generator<[number, number]> {
    let i = start;
    for (;;) {
      const first = bytes.indexOf(CR, i);
      if (first === -1 || first >= end) return;
      let longest = -1;
      let longestAt = first;
      let at = first;
      while (at < end && bytes[at] === CR) {
        const j = cellRunEnd(bytes, at + 1, end);
        const length = j - at - 1;
        if (length >= this.cols) break; // it wraps: no longer one row overwritten in place
        if (length >= longest) {
          longest = length;
          longestAt = at;
        }
        at = j;
      }
      if (longestAt - first >= MIN_DROP_BYTES) yield [first, longestAt];
      i = Math.max(at, first + 1);
    }
  }

  /** Stands for dropped whole lines: the same attributes, and the cursor on the bottom row. */
  private replacementFor(dropped: Buffer): Buffer {
    return Buffer.from(`${attributesOf(dropped)}${'\r\n'.repeat(this.rows)}`, 'latin1');
  }

  /**
   * Where the sequence left open by the previous output ends in `bytes`, or -1 if not soon. Its
   * start is in `carry` (the previous output's last bytes) unless it is a long string sequence,
   * which ends at the first BEL (included) or ESC (a new sequence, or the ST that ends it).
   */
  private openSequenceEnd(bytes: Buffer): number {
    const esc = this.carry.lastIndexOf('\x1b');
    if (esc === -1) {
      const bell = bytes.indexOf(BEL);
      const next = bytes.indexOf(ESC);
      if (bell === -1) return next;
      return next !== -1 && next < bell ? next : bell + 1;
    }
    const begun = this.carry.length - esc;
    const match = COMPLETE_SEQUENCE.exec(
      this.carry.slice(esc) + bytes.toString('latin1', 0, Math.min(bytes.length, 4096)),
    );
    return match && match[0].length > begun ? match[0].length - begun : -1;
  }

  private trackState(bytes: Buffer): void {
    const lastEsc = bytes.lastIndexOf(ESC);
    if (lastEsc === -1 && !this.openSequence) {
      this.carry = '';
      return;
    }
    // A byte string (one character per byte) is enough for ASCII patterns.
    const scanned = this.carry + bytes.toString('latin1');
    for (const m of scanned.matchAll(REGION)) this.scrollRegion = m[0] !== '\x1bc' && m[1] !== '' && m[1] !== undefined;
    for (const m of scanned.matchAll(PRIVATE_MODES)) {
      const modes = m[1]?.split(';') ?? [];
      if (m[0] === '\x1bc') {
        this.autowrap = true;
        this.alternateScreen = false;
      }
      if (modes.includes('7')) this.autowrap = m[2] === 'h';
      if (modes.some((mode) => ALTERNATE_SCREEN_MODES.has(mode))) this.alternateScreen = m[2] === 'h';
    }
    if (lastEsc === -1) {
      // Still inside the sequence only if it is a string sequence that has not ended yet.
      this.openSequence = this.openSequence && !bytes.includes(0x07);
    } else {
      this.openSequence = !COMPLETE_SEQUENCE.test(bytes.subarray(lastEsc).toString('latin1'));
    }
    this.carry = scanned.slice(-32);
  }
}

/**
 * Where a line (`[unsafe, stop)`, from its first byte that plain text may not hold) becomes plain
 * for good: just after its last complete sequence or control, or -1 when one is unfinished or a
 * C1 control (those are left alone).
 */
function plainRestOfLine(bytes: Buffer, unsafe: number, stop: number): number {
  let at = unsafe;
  for (;;) {
    let end: number;
    if (bytes[at] === ESC) {
      const match = COMPLETE_SEQUENCE.exec(bytes.toString('latin1', at, Math.min(stop, at + 4096)));
      if (!match) return -1;
      end = at + match[0].length;
    } else if (isUnsafeControl(bytes[at] as number)) {
      end = at + 1; // a C0 control: one byte
    } else {
      return -1;
    }
    const next = nextUnsafeByte(bytes.subarray(0, stop), end); // (the line's end is as far as it matters)
    if (next === -1 || next >= stop) return end;
    at = next;
  }
}

/** The bytes of `views` from one position to another, as views. */
function piecesBetween(views: Buffer[], from: Position, to: Position): Buffer[] {
  const out: Buffer[] = [];
  for (let p = from.piece; p <= to.piece && p < views.length; p++) {
    const view = views[p] as Buffer;
    const slice = view.subarray(p === from.piece ? from.offset : 0, p === to.piece ? to.offset : view.length);
    if (slice.length > 0) out.push(slice);
  }
  return out;
}

/**
 * The end of some pieces that holds all their SGR state: from the last piece with a reset in it
 * (what came before a reset no longer counts), joined; nothing when none holds an escape.
 */
function fromLastReset(pieces: Buffer[]): Buffer {
  let from = pieces.length;
  while (from > 0) {
    const piece = pieces[--from] as Buffer;
    if (piece.includes(SGR_RESET_SHORT) || piece.includes(SGR_RESET_ZERO)) break;
  }
  const tail = pieces.slice(from);
  return tail.some((p) => p.includes(ESC)) ? Buffer.concat(tail) : EMPTY;
}

/** The SGR sequences of `bytes` from its last reset on: applied in order, the same attributes. */
function attributesOf(bytes: Buffer): string {
  if (!bytes.includes(ESC)) return '';
  // Only what follows the last reset matters: find it from the end, and read no more than that.
  const from = Math.max(bytes.lastIndexOf(SGR_RESET_SHORT), bytes.lastIndexOf(SGR_RESET_ZERO), 0);
  return (bytes.toString('latin1', from).match(SGR) ?? []).join('');
}
