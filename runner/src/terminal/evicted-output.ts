/**
 * Output that a terminal will certainly scroll out of its buffer does not need to be parsed to
 * know the final screen. This drops it, so the screen mirror keeps up with any flood.
 *
 * A prefix may be dropped when
 *  - it is "plain": printable text, CR, LF, TAB, BS, BEL and SGR (colour) sequences only, so
 *    the only state it changes besides the buffer's content is the current SGR attributes;
 *  - it is followed by plain text holding at least `rows + scrollback` more CR LF pairs, which
 *    scroll everything before them out of a buffer that holds `rows + scrollback` lines;
 *  - no scroll region is in force (with a region, line feeds below it do not scroll).
 * The prefix is replaced by its SGR sequences since the last reset (the same attributes) and
 * `rows` CR LFs, which leave the cursor on the bottom row as the flood did, so every kept line
 * enters by scrolling and is erased with the same background (BCE). The result parses to the
 * same screen and scrollback as the original; evicted-output.test.ts checks that on a real
 * headless xterm.
 */

// The first character that plain text may not contain: a control other than TAB LF CR BS
// BEL, a C1 control, or an ESC that does not start a complete SGR sequence.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const UNSAFE = /[\x00-\x06\x0b\x0c\x0e-\x1a\x1c-\x1f\x80-\x9f]|\x1b(?!\[[0-9;:]*m)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const SGR = /\x1b\[[0-9;:]*m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const SGR_RESET = /\x1b\[0?m/g;
/** DECSTBM with parameters sets a scroll region; without, or a full reset (RIS), clears it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const REGION = /\x1b\[(\d*;?\d*)r|\x1bc/g;
/** A complete escape sequence: CSI, a string sequence (OSC, DCS, …) with its terminator, or a two-character escape. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const COMPLETE_SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)|[ -OQ-WYZ\\`-~])/y;

export class EvictedOutputFilter {
  private scrollRegion = false;
  /** The previous text ended inside an escape sequence: the next one starts mid-sequence. */
  private openSequence = false;
  /** The previous text's tail, so a region sequence split between two texts is still seen. */
  private carry = '';
  private lines: number;

  constructor(
    private rows: number,
    private readonly scrollback: number,
  ) {
    this.lines = rows + scrollback;
  }

  resize(rows: number): void {
    this.rows = rows;
    this.lines = rows + this.scrollback;
  }

  /** The text to parse instead of `text`; same final screen, usually far shorter in a flood. */
  filter(text: string): string {
    const unsafeStart = this.scrollRegion || this.openSequence;
    this.trackState(text);
    if (unsafeStart) return text;
    const unsafeAt = text.search(UNSAFE);
    const plainEnd = unsafeAt === -1 ? text.length : unsafeAt;
    // Walk back over `lines` CR LF pairs inside the plain part; the cut goes after the one before.
    let at = plainEnd;
    for (let i = 0; i <= this.lines; i++) {
      at = text.lastIndexOf('\r\n', at - 1);
      if (at < 0) return text;
    }
    const cut = at + 2;
    if (cut < 4096) return text; // not worth it
    const dropped = text.slice(0, cut);
    return `${attributesOf(dropped)}${'\r\n'.repeat(this.rows)}${text.slice(cut)}`;
  }

  private trackState(text: string): void {
    const lastEsc = text.lastIndexOf('\x1b');
    if (lastEsc === -1 && !this.openSequence) {
      this.carry = '';
      return;
    }
    const scanned = this.carry + text;
    for (const m of scanned.matchAll(REGION)) this.scrollRegion = m[0] !== '\x1bc' && m[1] !== '' && m[1] !== undefined;
    if (lastEsc === -1) {
      // Still inside the sequence only if it is a string sequence that has not ended yet.
      this.openSequence = this.openSequence && !text.includes('\x07');
    } else {
      COMPLETE_SEQUENCE.lastIndex = lastEsc;
      this.openSequence = !COMPLETE_SEQUENCE.test(text);
    }
    this.carry = text.slice(-32);
  }
}

/** The SGR sequences of `text` from its last reset on: applied in order, the same attributes. */
function attributesOf(text: string): string {
  if (!text.includes('\x1b')) return '';
  let start = 0;
  for (const m of text.matchAll(SGR_RESET)) start = m.index ?? start;
  return (text.slice(start).match(SGR) ?? []).join('');
}
