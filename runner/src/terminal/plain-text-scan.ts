/**
 * Fast scans of terminal output as UTF-8 bytes, for EvictedOutputFilter: where plain text
 * (what changes nothing but the buffer's content and the colours) ends, and where a stretch of
 * one-cell characters ends. A flood is scanned once per batch, so both read four bytes at a
 * time while they can: the mirror's CPU is mostly these scans.
 */

const ESC = 0x1b;

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

/** A C0 control that plain text may not hold (not BEL, BS, TAB, LF, CR or ESC). */
export const isUnsafeControl = (b: number) => KIND[b] === ByteKind.Unsafe;

/** Whether a byte may be a parameter of an SGR sequence: a digit, ':' or ';'. */
export const isSgrParameter = (b: number) => b >= 0x30 && b <= 0x3b;

/** Whether a byte occupies exactly one cell and moves the cursor one column: printable ASCII. */
export const isCellByte = (b: number) => b >= 0x20 && b < 0x7f;

const HIGH_BITS = 0x80808080 | 0;
const ONES = 0x01010101;
const C1_LEADS = 0xc2c2c2c2 | 0;
const DELS = 0x7f7f7f7f;
const SPACES = 0x20202020;
const NO_WORDS = new Int32Array(0);

/** Whether a word holds a byte under 0x20: a byte is, when none of its top three bits is set. */
function hasControl(x: number): boolean {
  const top = x & 0xe0e0e0e0;
  return ((top | (top << 1) | (top << 2)) & HIGH_BITS) !== HIGH_BITS;
}

/** Whether a word holds the byte repeated in `pattern` (the classic zero-byte test, on the XOR). */
function hasByte(x: number, pattern: number): boolean {
  const v = x ^ pattern;
  return ((v - ONES) & ~v & HIGH_BITS) !== 0;
}

/** Whether all four bytes of a word are plain by themselves (CR and LF are; ESC and 0xc2 are not). */
function isPlainWord(x: number): boolean {
  return (
    KIND[x & 0xff] === ByteKind.Plain &&
    KIND[(x >>> 8) & 0xff] === ByteKind.Plain &&
    KIND[(x >>> 16) & 0xff] === ByteKind.Plain &&
    KIND[x >>> 24] === ByteKind.Plain
  );
}

let cachedBuffer: ArrayBufferLike | null = null;
let cachedView: Uint8Array | null = null;
let cachedWords: Int32Array<ArrayBufferLike> = NO_WORDS;

/**
 * A view's backing store as aligned words (from its byte 0, so any view of it can use them), made
 * once per store and task: a batch's scans share one, and the store is not kept past the task.
 * (The last view is remembered too: reading a view's `buffer` is slow enough to show in a
 * progress bar's thousands of short scans.)
 */
function wordsOf(bytes: Uint8Array): Int32Array {
  if (bytes === cachedView) return cachedWords;
  if (bytes.buffer !== cachedBuffer) {
    if (cachedBuffer === null) {
      queueMicrotask(() => {
        cachedBuffer = null;
        cachedView = null;
        cachedWords = NO_WORDS;
      });
    }
    cachedBuffer = bytes.buffer;
    cachedWords = new Int32Array(bytes.buffer, 0, bytes.buffer.byteLength >> 2);
  }
  cachedView = bytes;
  return cachedWords;
}

/**
 * Index of the first byte from `from` that plain text may not contain, or -1. Words of
 * printable characters (ASCII or UTF-8, not 0xc2, which may start a C1 control) and plain
 * controls are skipped whole; in any other word, the scan goes straight to its first byte that
 * is not plain by itself. After a colour sequence it goes back to words at once: the bytes of
 * that word before where it resumes are read as spaces (colourful output has a sequence every
 * few words, and reading the bytes around each one singly cost twice the scan of plain text).
 */
export function nextUnsafeByte(bytes: Uint8Array, from = 0): number {
  const n = bytes.length;
  const words = wordsOf(bytes);
  const base = bytes.byteOffset;
  const firstWord = (base + 3) >> 2; // words from this one on start inside the view
  const lastWord = (base + n) >> 2; // words before this one end inside the view
  let i = from;
  while (i < n) {
    let w = (base + i) >> 2;
    if (w >= firstWord && w < lastWord) {
      let x = words[w] as number;
      const before = (base + i) & 3; // bytes of this word before `i`, read as spaces
      if (before !== 0) {
        const low = (1 << (8 * before)) - 1;
        x = (x & ~low) | (SPACES & low);
      }
      // (Words with a line end, a tab or a bell are common and plain: only the rare ones are read closely.)
      while (!((hasControl(x) || hasByte(x, C1_LEADS)) && !isPlainWord(x))) {
        if (++w >= lastWord) break;
        x = words[w] as number;
      }
      if (w >= lastWord) {
        i = 4 * w - base; // the view's last bytes, if any, are read singly
        continue;
      }
      let k = 0;
      while (KIND[(x >>> (8 * k)) & 0xff] === ByteKind.Plain) k++;
      i = 4 * w - base + k;
    }
    const next = afterPlainUnit(bytes, i);
    if (next === -1) return i;
    i = next;
  }
  return -1;
}

/**
 * Where the plain unit at `i` ends (a byte, or a whole SGR sequence), or -1 when what starts
 * there is not plain: a control, a C1 control, another or an unfinished escape sequence.
 */
function afterPlainUnit(bytes: Uint8Array, i: number): number {
  const kind = KIND[bytes[i] as number];
  if (kind === ByteKind.Plain) return i + 1;
  if (kind === ByteKind.Unsafe) return -1;
  if (kind === ByteKind.C1Lead) return i + 1 < bytes.length && (bytes[i + 1] as number) > 0x9f ? i + 1 : -1; // (continuation bytes start at 0x80)
  // ESC [ params m (SGR) is plain; any other sequence, or an unfinished one, is not.
  if (bytes[i + 1] !== 0x5b) return -1;
  let j = i + 2;
  while (j < bytes.length && isSgrParameter(bytes[j] as number)) j++;
  return bytes[j] === 0x6d ? j + 1 : -1;
}

/** Longest SGR sequence looked for across two pieces; a longer one is taken as not plain. */
const SPLIT_SEQUENCE_MAX_BYTES = 64;

/**
 * Whether output that arrives as consecutive pieces is plain throughout, as one buffer would be:
 * an SGR sequence (or a character starting 0xc2) that one piece ends in and the next completes
 * is plain. A flood's pieces end anywhere, so in colourful output most batches have such a cut.
 */
export function isPlainAcross(pieces: readonly Uint8Array[]): boolean {
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p] as Uint8Array;
    const unsafe = nextUnsafeByte(piece);
    if (unsafe === -1) continue;
    const cut = piece.length - unsafe;
    if (p === pieces.length - 1 || cut > SPLIT_SEQUENCE_MAX_BYTES) return false;
    // What follows the unit's first byte up to the cut is printable (an unfinished SGR's
    // parameters), and so is the rest of it in the pieces after: the unit alone decides.
    const joined = [piece.subarray(unsafe)];
    let length = cut;
    for (let q = p + 1; q < pieces.length && length < SPLIT_SEQUENCE_MAX_BYTES; q++) {
      const head = (pieces[q] as Uint8Array).subarray(0, SPLIT_SEQUENCE_MAX_BYTES - length);
      joined.push(head);
      length += head.length;
    }
    if (nextUnsafeByte(Buffer.concat(joined)) === 0) return false;
  }
  return true;
}

/**
 * Where `bytes` ends inside what may become an SGR sequence (ESC, or ESC [ and parameters without
 * the final `m` yet), or -1.
 */
export function unfinishedSgrStart(bytes: Uint8Array): number {
  const esc = bytes.lastIndexOf(ESC, bytes.length - 1);
  if (esc === -1 || bytes.length - esc > SPLIT_SEQUENCE_MAX_BYTES) return -1;
  if (esc + 1 < bytes.length && bytes[esc + 1] !== 0x5b) return -1;
  for (let i = esc + 2; i < bytes.length; i++) if (!isSgrParameter(bytes[i] as number)) return -1;
  return esc;
}

/** The end of the stretch of one-cell characters (printable ASCII) at `from`, before `end`. */
export function cellRunEnd(bytes: Buffer, from: number, end: number): number {
  const words = wordsOf(bytes);
  const base = bytes.byteOffset;
  const lastWord = (base + end) >> 2;
  let i = from;
  for (;;) {
    while (i < end && ((base + i) & 3) !== 0 && isCellByte(bytes[i] as number)) i++;
    if (i >= end || ((base + i) & 3) !== 0) break; // the end, or a byte that is not a cell
    let w = (base + i) >> 2;
    while (w < lastWord) {
      const x = words[w] as number;
      if (hasControl(x) || (x & HIGH_BITS) !== 0 || hasByte(x, DELS)) break; // (DEL takes no cell)
      w++;
    }
    const next = 4 * w - base;
    if (next === i) {
      // This word holds a byte that is not a cell: find it.
      while (i < end && isCellByte(bytes[i] as number)) i++;
      break;
    }
    i = next;
  }
  return i;
}
