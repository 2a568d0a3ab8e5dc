import { isCellByte, isSgrParameter } from './plain-text-scan.js';
import { SgrState } from './sgr-state.js';

/**
 * The older part of a mirrored terminal's scrollback, kept as text instead of xterm cells.
 * xterm stores every row as 12 bytes per column whatever it holds: 2.4 KB for a row of a
 * 200-column terminal, 2.5 MB for a full scrollback. As text, a compiler's output line is
 * ~80 bytes. The screen mirror keeps the newest rows parsed (MIRROR_PARSED_SCROLLBACK_LINES)
 * and the rest here; a replay is this archive, then the emulator's own serialization.
 *
 * Lines come two ways: output lines that a flood scrolled past the parsed rows, kept as the
 * program wrote them (EvictedOutputFilter hands them over unparsed), and rows serialized from
 * the emulator once output settles. Every line replays from column 0 of a fresh row with the
 * default attributes, and the replay leaves the next line the same: so the archive can be
 * trimmed at any line and be followed by anything.
 */

/** Ends a replayed line: the next starts on a fresh row with the default attributes. */
const LINE_END = '\x1b[0m\r\n';
/** Erases the rest of the row with the current background, as a row scrolled into view is (BCE). */
const ERASE_LINE = '\x1b[K';

interface Segment {
  /**
   * 'output': lines as a program wrote them, one stream (a line's attributes carry into the
   * next); `start` sets the attributes in force where the first one begins.
   * 'rows': lines serialized from the emulator, each replaying on its own.
   */
  kind: 'output' | 'rows';
  start: string;
  lines: string[];
  /** The cells each line fills, or fewer when unsure; worked out when first needed. */
  cells: number[] | null;
}

export class ScrollbackArchive {
  private segments: Segment[] = [];
  /**
   * Output that superseded everything, kept as bytes until the archive is read: in a flood
   * each batch supersedes the last, and strings made per batch would outlive a young-generation
   * collection only to be garbage in the old one (a full collection of the mirror's heap per
   * few batches).
   */
  private output: { bytes: Buffer; start: string } | null = null;

  get isEmpty(): boolean {
    return this.output === null && this.segments.length === 0;
  }

  /**
   * Everything before is superseded by these lines of output (CR LF between them, none after
   * the last), which begin with the attributes `start` sets. The bytes are copied.
   */
  replaceWithOutput(bytes: Uint8Array, start: string): void {
    const copy = Buffer.allocUnsafeSlow(bytes.length); // its own store: not a view pinning a batch
    copy.set(bytes);
    this.output = { bytes: copy, start };
    this.segments = [];
  }

  /** Adds rows serialized from the emulator, a string per line, with the cells each fills. */
  appendRows(lines: string[], cells: number[]): void {
    if (lines.length > 0) this.read().push({ kind: 'rows', start: '', lines, cells });
  }

  clear(): void {
    this.output = null;
    this.segments = [];
  }

  /**
   * Forgets what is older than the newest `rows` rows at `cols` columns, as a terminal's
   * scrollback does. A line that straddles the limit loses its first rows when it is output
   * whose cells are known (printable ASCII and colours); otherwise it is kept whole.
   */
  keepRows(rows: number, cols: number): void {
    if (rows <= 0) {
      this.clear();
      return;
    }
    let need = rows;
    const segments = this.read();
    for (let s = segments.length - 1; s >= 0; s--) {
      const segment = segments[s] as Segment;
      const cells = cellsOf(segment);
      for (let i = segment.lines.length - 1; i >= 0; i--) {
        const lineRows = Math.max(1, Math.ceil((cells[i] as number) / cols));
        if (lineRows >= need) {
          dropLines(segment, i, (lineRows - need) * cols);
          this.segments = this.segments.slice(s);
          return;
        }
        need -= lineRows;
      }
    }
  }

  /** Writes the lines back: from a fresh terminal's first row, ending on a fresh default row. */
  replay(): string {
    let text = '';
    for (const segment of this.read()) {
      if (segment.kind === 'rows') {
        for (const line of segment.lines) text += line + LINE_END;
      } else {
        text += `${segment.start}${ERASE_LINE}${segment.lines.join(`\r\n${ERASE_LINE}`)}${LINE_END}`;
      }
    }
    return text;
  }

  /** The segments, the output's lines split out first if they are still bytes. */
  private read(): Segment[] {
    const output = this.output;
    if (output) {
      this.output = null;
      const lines = output.bytes.toString('utf8').split('\r\n');
      this.segments = [{ kind: 'output', start: output.start, lines, cells: null }];
    }
    return this.segments;
  }
}

function cellsOf(segment: Segment): number[] {
  segment.cells ??= segment.lines.map(cellsAtLeast);
  return segment.cells;
}

/** Drops a segment's first `count` lines, and the first `cells` cells of the next where it can. */
function dropLines(segment: Segment, count: number, cells: number): void {
  const dropped = segment.lines.slice(0, count);
  const lines = segment.lines.slice(count);
  const lineCells = cellsOf(segment).slice(count);
  const cut = segment.kind === 'output' && cells > 0 ? cutCells(lines[0] as string, cells) : null;
  if (cut) {
    dropped.push(cut.before);
    lines[0] = cut.after;
    lineCells[0] = (lineCells[0] as number) - cells;
  }
  if (segment.kind === 'output' && dropped.length > 0) {
    segment.start = new SgrState().apply(segment.start).apply(dropped.join('')).toString();
  }
  segment.lines = lines;
  segment.cells = lineCells;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const CELLS_KNOWN = /^(?:[\x20-\x7e]|\x1b\[[0-9;:]*m)*$/;

/**
 * A line of printable ASCII and colours split after its first `cells` characters, as the
 * terminal's rows split it; null for any other line.
 */
function cutCells(line: string, cells: number): { before: string; after: string } | null {
  if (!CELLS_KNOWN.test(line)) return null;
  let at = 0;
  for (let counted = 0; counted < cells && at < line.length; ) {
    if (line.charCodeAt(at) === 0x1b) at = line.indexOf('m', at) + 1;
    else {
      at++;
      counted++;
    }
  }
  return { before: line.slice(0, at), after: line.slice(at) };
}

/**
 * Cells a line of output fills at least: its printable ASCII after its last CR (a redraw
 * leaves at least that). Anything wider, or a backspace, is not counted: too few cells
 * only keeps a line longer than needed.
 */
export function cellsAtLeast(line: string): number {
  if (line.includes('\b')) return 0;
  let n = 0;
  // (counted in place: a string per line, made and dropped, was most of what an archive's first read allocated)
  for (let i = line.lastIndexOf('\r') + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x1b) i = endOfSgr(line, i);
    else if (isCellByte(c)) n++;
  }
  return n;
}

/** Where an SGR sequence starting at `esc` ends (its `m`), or `esc` when none starts there (as SGR matches). */
function endOfSgr(line: string, esc: number): number {
  if (line.charCodeAt(esc + 1) !== 0x5b) return esc; // [
  for (let i = esc + 2; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x6d) return i; // m
    if (!isSgrParameter(c)) return esc;
  }
  return esc;
}

/** How many characters of `text` are printable ASCII (one cell each). */
export function printableAscii(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (isCellByte(text.charCodeAt(i))) n++;
  return n;
}
