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
 *
 * It works on the UTF-8 bytes, so a flood is scanned once and never decoded: every byte
 * that matters here is ASCII, and C1 controls are recognised in their UTF-8 form.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const SGR = /\x1b\[[0-9;:]*m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const SGR_RESET = /\x1b\[0?m/g;
/** DECSTBM with parameters sets a scroll region; without, or a full reset (RIS), clears it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const REGION = /\x1b\[(\d*;?\d*)r|\x1bc/g;
/** A complete escape sequence: CSI, a string sequence (OSC, DCS, …) with its terminator, or a two-character escape. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal control characters is the point
const COMPLETE_SEQUENCE = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]P^_X][^\x07\x1b]*(?:\x07|\x1b\\)|[ -OQ-WYZ\\`-~])/;

const ESC = 0x1b;
const CRLF = Buffer.from('\r\n');

/** What a byte means to the plain-text scan. */
enum ByteKind {
  Plain = 0,
  /** A control other than BEL, BS, TAB, LF, CR. */
  Unsafe = 1,
  /** Plain only as the start of a complete SGR sequence. */
  Escape = 2,
  /** UTF-8 lead byte of U+0080–U+00BF, of which U+0080–U+009F are C1 controls. */
  C1Lead = 3,
}
const KIND = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) KIND[b] = ByteKind.Unsafe;
for (const b of [0x07, 0x08, 0x09, 0x0a, 0x0d]) KIND[b] = ByteKind.Plain;
KIND[ESC] = ByteKind.Escape;
KIND[0xc2] = ByteKind.C1Lead;

/** Index of the first byte that plain text may not contain, or -1. */
export function firstUnsafeByte(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const kind = KIND[bytes[i] as number];
    if (kind === ByteKind.Plain) continue;
    if (kind === ByteKind.Unsafe) return i;
    if (kind === ByteKind.C1Lead) {
      if (i + 1 >= n || (bytes[i + 1] as number) <= 0x9f) return i; // (continuation bytes start at 0x80)
      continue;
    }
    // ESC: plain only as ESC [ params m; an unfinished one counts as unsafe.
    let j = i + 1;
    if (bytes[j] !== 0x5b) return i;
    for (j++; j < n; j++) {
      const c = bytes[j] as number;
      if (c < 0x30 || c > 0x3b) break; // digits, ':' and ';'
    }
    if (bytes[j] !== 0x6d) return i;
    i = j;
  }
  return -1;
}

export class EvictedOutputFilter {
  private scrollRegion = false;
  /** The previous output ended inside an escape sequence: the next one starts mid-sequence. */
  private openSequence = false;
  /** The previous output's tail (as a byte string), so a region sequence split between two is still seen. */
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

  /** The bytes to parse instead of `bytes`; same final screen, usually far shorter in a flood. */
  filter(bytes: Buffer): Buffer {
    if (this.scrollRegion || this.openSequence) {
      this.trackState(bytes);
      return bytes;
    }
    const unsafeAt = firstUnsafeByte(bytes);
    // Plain output throughout changes no state tracked here: a flood is scanned only once.
    if (unsafeAt !== -1) this.trackState(bytes);
    const plainEnd = unsafeAt === -1 ? bytes.length : unsafeAt;
    // Walk back over `lines` CR LF pairs inside the plain part; the cut goes after the one before.
    let at = plainEnd;
    for (let i = 0; i <= this.lines; i++) {
      if (at < 1) return bytes;
      at = bytes.lastIndexOf(CRLF, at - 1);
      if (at < 0) return bytes;
    }
    const cut = at + 2;
    if (cut < 4096) return bytes; // not worth it
    const replacement = `${attributesOf(bytes.subarray(0, cut))}${'\r\n'.repeat(this.rows)}`;
    return Buffer.concat([Buffer.from(replacement, 'latin1'), bytes.subarray(cut)]);
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
    if (lastEsc === -1) {
      // Still inside the sequence only if it is a string sequence that has not ended yet.
      this.openSequence = this.openSequence && !bytes.includes(0x07);
    } else {
      this.openSequence = !COMPLETE_SEQUENCE.test(bytes.subarray(lastEsc).toString('latin1'));
    }
    this.carry = scanned.slice(-32);
  }
}

/** The SGR sequences of `bytes` from its last reset on: applied in order, the same attributes. */
function attributesOf(bytes: Buffer): string {
  if (!bytes.includes(ESC)) return '';
  const text = bytes.toString('latin1');
  let start = 0;
  for (const m of text.matchAll(SGR_RESET)) start = m.index ?? start;
  return (text.slice(start).match(SGR) ?? []).join('');
}
