import { terminalBytes, terminalDataLength } from '@cubicle/protocol';
import type { RunnerClient } from './runner-harness.js';
import { eventually } from './runner-harness.js';

/** Decodes one binary chunk on its own, failing on a character split across chunks. */
export const wholeCharacters = new TextDecoder('utf-8', { fatal: true });

/**
 * Collects one client's `terminal:data` per terminal id and can ack like a browser does
 * (after "rendering", in batches). Tests wait on its text. Binary payloads are decoded chunk
 * by chunk, so a chunk that ends inside a character fails the test that receives it.
 */
export class TerminalReader {
  private readonly text = new Map<string, string>();
  readonly exits = new Map<string, { exitCode: number; signal: number | null }>();
  private unacked = new Map<string, number>();

  constructor(
    socket: RunnerClient,
    private readonly ackEvery: number | null = null,
  ) {
    socket.on('terminal:data', ({ id, data }) => {
      const text = typeof data === 'string' ? data : wholeCharacters.decode(terminalBytes(data));
      this.text.set(id, (this.text.get(id) ?? '') + text);
      if (this.ackEvery !== null) {
        const pending = (this.unacked.get(id) ?? 0) + terminalDataLength(data);
        if (pending >= this.ackEvery) {
          socket.emit('terminal:ack', { id, bytes: pending });
          this.unacked.set(id, 0);
        } else this.unacked.set(id, pending);
      }
    });
    socket.on('terminal:exit', ({ id, exitCode, signal }) => this.exits.set(id, { exitCode, signal }));
  }

  output(id: string): string {
    return this.text.get(id) ?? '';
  }

  clear(id: string): void {
    this.text.set(id, '');
  }

  waitFor(id: string, pattern: RegExp | string, timeoutMs = 5000): Promise<string> {
    return eventually(
      () => {
        const out = this.output(id);
        return (typeof pattern === 'string' ? out.includes(pattern) : pattern.test(out)) ? out : undefined;
      },
      timeoutMs,
      `${String(pattern)} in terminal ${id}; got ${JSON.stringify(this.output(id).slice(-300))}`,
    );
  }
}
