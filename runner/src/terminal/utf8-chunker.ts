/**
 * Cuts a byte stream into chunks that each end on a UTF-8 character boundary: the bytes of a
 * character split across two PTY reads are held back and sent with the next read, so no
 * client (nor the screen mirror) ever sees half a character. Invalid UTF-8 passes through;
 * at most three bytes are ever held.
 */
export class Utf8Chunker {
  private held: Buffer | null = null;

  /** The complete characters of `held + bytes`; the incomplete tail is kept for next time. */
  push(bytes: Buffer): Buffer {
    const data = this.held ? Buffer.concat([this.held, bytes]) : bytes;
    const cut = data.length - incompleteTailLength(data);
    this.held = cut < data.length ? Buffer.from(data.subarray(cut)) : null;
    return cut < data.length ? data.subarray(0, cut) : data;
  }
}

/** Bytes at the end of `data` that start a multi-byte character but do not finish it. */
export function incompleteTailLength(data: Uint8Array): number {
  // A character is at most 4 bytes: look back over at most 3 continuation bytes for its lead.
  for (let back = 1; back <= Math.min(4, data.length); back++) {
    const byte = data[data.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back && byte < 0xf8 ? back : 0;
  }
  return 0; // only continuation bytes: invalid UTF-8, nothing to complete
}
