import { describeError } from '../../api/error-messages';
import { formatBytes } from '../../app/format';
import { TERMINAL_PASTE_CHUNK_CHARS, TERMINAL_PASTE_MAX_CHARS } from '../../tuning';

/** What the person should see about input in flight: a large paste's progress, or why it stopped. */
export type InputNotice = { kind: 'progress'; sent: number; total: number } | { kind: 'error'; message: string };

interface TerminalInputSink {
  /** Fire and forget: a keystroke. */
  send(data: string): void;
  /** Acknowledged: one piece of a large paste (the next waits for it: flow control). */
  write(data: string): Promise<void>;
  notice(notice: InputNotice | null): void;
}

/**
 * Keystrokes and pastes on their way to a shell. Keystrokes go at once; a paste larger than
 * one message is cut into pieces sent one at a time, each after the runner took the last, and
 * anything typed meanwhile waits its turn so the shell sees it in order. A paste is never
 * dropped without a word: too large is refused up front, a failure midway says how far it got.
 */
export class TerminalInput {
  private readonly queue: string[] = [];
  private pumping = false;
  private sent = 0;
  private total = 0;

  constructor(private readonly sink: TerminalInputSink) {}

  push(data: string): void {
    if (data.length > TERMINAL_PASTE_MAX_CHARS) {
      this.sink.notice({
        kind: 'error',
        message: `Not pasted: ${formatBytes(data.length)} is more than a terminal takes at once (${formatBytes(TERMINAL_PASTE_MAX_CHARS)}). Upload it as a file instead.`,
      });
      return;
    }
    if (!this.pumping && data.length <= TERMINAL_PASTE_CHUNK_CHARS) {
      this.sink.send(data);
      return;
    }
    for (const piece of pieces(data, TERMINAL_PASTE_CHUNK_CHARS)) this.queue.push(piece);
    this.total += data.length;
    void this.pump();
  }

  /** Input still waiting is dropped (the shell it was for is gone). */
  reset(): void {
    this.queue.length = 0;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let piece = this.queue.shift(); piece !== undefined; piece = this.queue.shift()) {
        if (this.total > TERMINAL_PASTE_CHUNK_CHARS)
          this.sink.notice({ kind: 'progress', sent: this.sent, total: this.total });
        try {
          await this.sink.write(piece);
        } catch (err) {
          const lost = this.total - this.sent;
          this.queue.length = 0;
          this.sink.notice({
            kind: 'error',
            message: `The paste stopped after ${formatBytes(this.sent)}; the last ${formatBytes(lost)} did not reach the shell (${describeError(err)}).`,
          });
          return;
        }
        this.sent += piece.length;
      }
      this.sink.notice(null);
    } finally {
      this.pumping = false;
      this.sent = 0;
      this.total = 0;
    }
  }
}

/** `text` in pieces of at most `size` characters, never splitting a surrogate pair. */
export function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}
