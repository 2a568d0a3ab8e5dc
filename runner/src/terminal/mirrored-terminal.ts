import { createRequire } from 'node:module';
import type { IBufferLine, IBufferNamespace, IMarker } from '@xterm/headless';
import { MIRROR_FLOOD_SCROLLBACK_LINES, MIRROR_WRITE_PIECE_BYTES } from '../tuning.js';
import type { ArchivedOutput } from './evicted-output.js';
import { printableAscii, ScrollbackArchive } from './scrollback-archive.js';
import { type CellAttributes, SgrState } from './sgr-state.js';

// require(), not import: for these CommonJS bundles the ESM loader's export scan alone cost
// ~90 ms of CPU at every worker start.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

type HeadlessTerminal = InstanceType<typeof Terminal>;
type Buffer_ = IBufferNamespace['normal'];

/**
 * The parser's current attributes. xterm has no API for them; the serialize addon reads the
 * same field to end its output with them.
 */
function currentAttributes(term: HeadlessTerminal): CellAttributes {
  type Internals = { _core: { _inputHandler: { _curAttrData: CellAttributes } } };
  return (term as unknown as Internals)._core._inputHandler._curAttrData;
}

/**
 * One terminal as the screen mirror keeps it: a headless xterm parsing its output, holding the
 * screen and the newest `parsedScrollback` rows of scrollback, and a ScrollbackArchive with
 * the older rows as text (a tenth of the memory). A flood's older lines go to the archive
 * unparsed (EvictedOutputFilter hands them over); rows that scrolled through xterm move there
 * once output settles (harvest()). Together they replay the whole scrollback.
 *
 * xterm's own scrollback limit is the full one (but while a flood goes to the archive: see
 * `capacity`), so it never loses a row the archive lacks: when it trims rows itself, its rows
 * alone fill the scrollback and the archive is superseded.
 */
export class MirroredTerminal {
  private readonly term: HeadlessTerminal;
  private readonly serializer = new SerializeAddon();
  private readonly archive = new ScrollbackArchive();
  /** On the normal buffer's oldest row: disposed when xterm trims it (its rows fill the scrollback, or ED3). */
  private oldestRow: IMarker | null = null;
  /** Where the rows after the archived lines of a flood begin: the rows above it were superseded. */
  private supersededAbove: IMarker | null = null;
  /**
   * xterm's scrollback limit now: the full one, or, while a flood goes to the archive, just
   * the rows it parses (so that xterm reuses its rows instead of allocating and freeing 2.4 KB
   * each, which left the runner 40 MB larger after 20 terminals flooded).
   */
  private capacity: number;

  constructor(
    cols: number,
    rows: number,
    private readonly scrollback: number,
    private readonly parsedScrollback: number,
    /** Whether a scroll region is in force: resizing xterm's buffer (how rows are trimmed) would clear it. */
    private readonly hasScrollRegion: () => boolean,
    onTitle: (title: string) => void,
  ) {
    this.capacity = scrollback;
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.term.loadAddon(this.serializer);
    this.term.onTitleChange(onTitle);
    const eraseDisplay = (params: (number | number[])[]) => {
      if (params[0] === 3 && this.term.buffer.active.type === 'normal') this.archive.clear(); // ED3: scrollback erased
      return false; // xterm erases as usual
    };
    this.term.parser.registerCsiHandler({ final: 'J' }, eraseDisplay);
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'J' }, eraseDisplay);
    this.term.parser.registerEscHandler({ final: 'c' }, () => {
      // RIS: xterm starts new buffers (the markers stay with the old ones)
      this.archive.clear();
      this.oldestRow = null;
      this.supersededAbove = null;
      return false;
    });
    this.markOldestRow();
  }

  dispose(): void {
    this.term.dispose();
  }

  /** Parses filtered output, taking its archived lines at their place; `done` once all is parsed. */
  write(data: Uint8Array, archived: ArchivedOutput | undefined, done: () => void): void {
    const parsed = () => {
      this.settleMarkers();
      done();
    };
    this.setCapacity(this.floodCapacity(archived));
    if (!archived) {
      this.writeInPieces(data, parsed);
      return;
    }
    this.writeInPieces(data.subarray(0, archived.at), () => {
      this.takeArchived(archived.text);
      this.writeInPieces(data.subarray(archived.at), parsed);
    });
  }

  /** The screen, the scrollback (archived rows first) and the modes, as output that redraws them. */
  snapshot(): string {
    this.settleMarkers();
    this.keepArchivedRows();
    // (superseded rows not trimmed yet are the oldest: leaving them out is a shorter scrollback)
    return this.archive.replay() + this.serializer.serialize({ scrollback: this.heldRows() });
  }

  /**
   * Resizes as a terminal does; `done` when it has. xterm reflows only the rows it holds, and
   * takes rows back from its scrollback for a taller screen: unless the width is the same and
   * it holds enough rows, the archived rows are parsed back into it first, so that xterm does
   * all of it (a window dragged wider or narrower costs one such parse: the next harvest is a
   * second after the last change). Parsing the replay back loses what a replay does not carry
   * (a saved cursor, a character set); a resize clears the scroll region anyway.
   */
  resize(cols: number, rows: number, done: () => void): void {
    this.setCapacity(this.scrollback); // (a shorter screen moves rows into the scrollback)
    this.settleMarkers();
    this.keepArchivedRows(); // what the terminal holds at the old size (a taller one holds more)
    const resize = () => {
      this.term.resize(cols, rows);
      this.settleMarkers();
      this.keepArchivedRows();
      done();
    };
    const sameWidth = cols === this.term.cols && rows - this.term.rows <= this.heldRows();
    if (this.archive.isEmpty || sameWidth) {
      resize();
      return;
    }
    const whole = this.snapshot();
    this.archive.clear();
    this.oldestRow = null;
    this.supersededAbove = null;
    this.term.reset();
    this.term.write(whole, () => {
      this.markOldestRow();
      resize();
    });
  }

  /**
   * Output has settled: moves the scrollback's rows beyond the newest `parsedScrollback` into
   * the archive, each line serialized on its own, and frees xterm's rows.
   */
  harvest(): void {
    this.settleMarkers();
    if (this.supersededAbove || !this.canTrim()) return;
    const normal = this.term.buffer.normal;
    let end = normal.length - this.term.rows - this.parsedScrollback;
    while (end > 0 && normal.getLine(end)?.isWrapped) end--; // a line moves whole
    if (end <= 0) return;
    const lines: string[] = [];
    const cells: number[] = [];
    for (let row = 0; row < end; ) {
      let last = row;
      while (last + 1 < end && normal.getLine(last + 1)?.isWrapped) last++;
      const range = { start: row, end: last };
      lines.push(
        plainLine(normal, row, last) ??
          this.serializer.serialize({ range, excludeAltBuffer: true, excludeModes: true }),
      );
      cells.push(cellsOfRows(normal, row, last));
      row = last + 1;
    }
    this.archive.appendRows(lines, cells);
    this.trimOldest(end);
    this.keepArchivedRows();
  }

  /**
   * The small limit for output that ends in a flood's kept lines (all it holds before them is
   * superseded, so the rows xterm drops are not needed), when they fit; else the full one.
   */
  private floodCapacity(archived: ArchivedOutput | undefined): number {
    const small = Math.min(this.scrollback, Math.max(MIRROR_FLOOD_SCROLLBACK_LINES, this.parsedScrollback));
    const kept = archived?.keptRowsAtMost;
    return kept !== undefined && kept <= this.term.rows + small ? small : this.scrollback;
  }

  /**
   * Lowering the limit drops the oldest rows, and happens only before output that supersedes
   * them. Either way xterm resizes its buffers, which also clears a scroll region and a pending
   * wrap: neither is there then (a flood is cut only without a region, and its output parsed in
   * small capacity ends with a line end).
   */
  private setCapacity(capacity: number): void {
    if (capacity === this.capacity) return;
    this.capacity = capacity;
    if (capacity < this.scrollback) {
      this.oldestRow?.dispose(); // (what xterm trims from now on is superseded)
      this.oldestRow = null;
      this.supersededAbove?.dispose();
      this.supersededAbove = null;
    } else {
      // Free superseded rows first: the rows xterm allocates next take their place in the heap.
      this.dropSuperseded();
    }
    this.term.options.scrollback = capacity;
  }

  /** A flood's lines that scrolled past the parsed rows: they supersede the rows before them. */
  private takeArchived(text: Buffer): void {
    if (this.term.buffer.active.type !== 'normal') return; // the alternate screen has no scrollback
    const start = SgrState.of(currentAttributes(this.term)).toString();
    this.archive.replaceWithOutput(text.subarray(0, text.length - 2), start); // (without the last CR LF)
    this.supersededAbove?.dispose();
    // The cursor is on a fresh bottom row: the lines parsed next begin here.
    this.supersededAbove = this.term.registerMarker(0) ?? null;
  }

  /** Notes rows xterm trimmed, and drops superseded rows that have scrolled off the screen. */
  private settleMarkers(): void {
    const superseded = this.supersededAbove;
    if (this.oldestRow?.isDisposed) {
      // xterm trimmed rows: superseded ones, or else its own rows fill the scrollback now
      if (!superseded || superseded.isDisposed) this.archive.clear();
      this.oldestRow = null;
    }
    if (superseded?.isDisposed) this.supersededAbove = null;
    // (in a flood's small capacity xterm drops them itself, reusing their rows)
    else if (this.capacity === this.scrollback) this.dropSuperseded();
    this.oldestRow ?? this.markOldestRow();
  }

  /** Trims the superseded rows that have scrolled off the screen (the rest wait for more output). */
  private dropSuperseded(): void {
    const marker = this.supersededAbove;
    if (!marker || !this.canTrim()) return;
    const scrolledOff = Math.min(marker.line, this.term.buffer.normal.baseY);
    if (marker.line <= this.term.buffer.normal.baseY) {
      marker.dispose();
      this.supersededAbove = null;
    }
    this.trimOldest(scrolledOff);
  }

  private markOldestRow(): void {
    if (this.capacity < this.scrollback) return; // (xterm trims superseded rows meanwhile)
    if (this.term.buffer.active.type !== 'normal') return; // (a marker goes on the active buffer)
    const normal = this.term.buffer.normal;
    this.oldestRow = this.term.registerMarker(-(normal.baseY + normal.cursorY)) ?? null;
  }

  /** The archive holds what the scrollback holds beyond xterm's rows, at the current width. */
  private keepArchivedRows(): void {
    this.archive.keepRows(this.scrollback - this.heldRows(), this.term.cols);
  }

  /** Rows of scrollback xterm holds, superseded ones left out (they wait for a pending wrap). */
  private heldRows(): number {
    const normal = this.term.buffer.normal;
    const marker = this.supersededAbove;
    const superseded = marker && !marker.isDisposed ? Math.min(marker.line, normal.baseY) : 0;
    return normal.length - this.term.rows - superseded;
  }

  /**
   * xterm trims rows when its scrollback limit is lowered, by resizing its buffers to the same
   * size; that also clears a scroll region and a pending wrap, so not while either is there.
   */
  private canTrim(): boolean {
    return !this.hasScrollRegion() && this.term.buffer.active.cursorX < this.term.cols;
  }

  /** Frees the scrollback's oldest `rows` rows. */
  private trimOldest(rows: number): void {
    if (rows <= 0) return;
    const normal = this.term.buffer.normal;
    this.oldestRow?.dispose(); // (this trim is not xterm filling its scrollback)
    this.oldestRow = null;
    this.term.options.scrollback = Math.max(0, normal.length - this.term.rows - rows);
    this.term.options.scrollback = this.capacity;
    this.markOldestRow();
  }

  /** Writes in pieces of MIRROR_WRITE_PIECE_BYTES: xterm's decode buffer grows to the largest write. */
  private writeInPieces(data: Uint8Array, done: () => void): void {
    let start = 0;
    for (; data.length - start > MIRROR_WRITE_PIECE_BYTES; start += MIRROR_WRITE_PIECE_BYTES) {
      this.term.write(data.subarray(start, start + MIRROR_WRITE_PIECE_BYTES));
    }
    this.term.write(data.subarray(start), done);
  }
}

/**
 * A line on rows `[first, last]` whose every cell has the default attributes, as output that
 * redraws it from column 0 of a fresh row: what the serialize addon writes for it (cells never
 * written are skipped with a cursor move). The addon's four calls per cell, run once per burst
 * of output and so mostly unoptimized, cost a harvest ~50 µs per row of 200 cells; reading
 * xterm's cell array costs a few. Null when the line needs the addon: attributes, rows whose
 * wrap the text alone would not reproduce, or an xterm whose internals are not as expected.
 */
function plainLine(buffer: Buffer_, first: number, last: number): string | null {
  let text = '';
  for (let row = first; row <= last; row++) {
    const line = buffer.getLine(row);
    const cells = line && cellArray(line);
    if (!line || !cells) return null;
    let skipped = 0; // cells never written, since the last one written
    let written = -1; // where the current stretch of written cells began
    for (let x = 0; x < line.length; x++) {
      const at = x * CELL_WORDS;
      if (cells[at + 1] !== 0 || cells[at + 2] !== 0) return null; // colours or attributes
      const content = cells[at] as number;
      if ((content & CELL_HAS_CHARACTER) !== 0 || (content & CELL_WIDTH) === 0) {
        // a character, or the second half of a wide one
        if (written < 0) {
          if (skipped > 0) text += `\x1b[${skipped}C`;
          skipped = 0;
          written = x;
        }
        continue;
      }
      if (x === 0 && row > first) return null; // a wrapped row must begin with a character
      if (written >= 0) text += line.translateToString(false, written, x);
      written = -1;
      skipped++;
    }
    if (written >= 0) text += line.translateToString(false, written, line.length);
    if (row < last && skipped > 0) return null; // only a full row wraps by itself
  }
  return text;
}

// xterm's cells (BufferLine._data): three words each, the character's first; the others hold
// colours and attributes, all zero for the defaults.
const CELL_WORDS = 3;
const CELL_HAS_CHARACTER = 0x3fffff; // a code point, or the combined-characters flag
const CELL_WIDTH = 0xc00000; // zero for the second half of a wide character

/** The xterm cells behind a row of its public API, or null if this xterm keeps them otherwise. */
function cellArray(line: IBufferLine): Uint32Array | null {
  const cells = (line as unknown as { _line?: { _data?: unknown } })._line?._data;
  return cells instanceof Uint32Array && cells.length >= line.length * CELL_WORDS ? cells : null;
}

/** Cells a line on rows `[first, last]` fills at least: its printable ASCII. */
function cellsOfRows(buffer: Buffer_, first: number, last: number): number {
  let cells = 0;
  for (let row = first; row <= last; row++) cells += printableAscii(buffer.getLine(row)?.translateToString(true) ?? '');
  return cells;
}
