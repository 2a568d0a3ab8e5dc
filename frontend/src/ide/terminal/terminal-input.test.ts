import { describe, expect, it } from 'vitest';
import { TERMINAL_PASTE_CHUNK_CHARS, TERMINAL_PASTE_MAX_CHARS } from '../../tuning';
import { type InputNotice, pieces, TerminalInput } from './terminal-input';

/** A shell end that records what arrived, answering each acknowledged piece when told to. */
function shell() {
  const arrived: string[] = [];
  const notices: (InputNotice | null)[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failAt = -1;
  const input = new TerminalInput({
    send: (d) => arrived.push(d),
    write: async (d) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 1;
      if (arrived.length === failAt) throw Object.assign(new Error('gone'), { code: 'ENOENT' });
      arrived.push(d);
    },
    notice: (n) => notices.push(n),
  });
  const settled = () => new Promise<void>((r) => setTimeout(r, 50));
  return { input, arrived, notices, settled, failOnPiece: (n: number) => (failAt = n), maxInFlight: () => maxInFlight };
}

describe('TerminalInput', () => {
  it('a large paste arrives whole, one piece at a time, and keystrokes typed meanwhile come after it', async () => {
    const s = shell();
    const paste = 'x'.repeat(TERMINAL_PASTE_CHUNK_CHARS * 3 + 17);
    s.input.push(paste);
    s.input.push('ls\r');
    await s.settled();
    expect(s.arrived.join('')).toBe(`${paste}ls\r`);
    expect(Math.max(...s.arrived.map((p) => p.length))).toBeLessThanOrEqual(TERMINAL_PASTE_CHUNK_CHARS);
    expect(s.maxInFlight()).toBe(1);
    expect(s.notices.at(-1)).toBeNull(); // the progress notice goes away
  });

  it('refuses a paste over the limit with a message, and says how far a failing paste got', async () => {
    const s = shell();
    s.input.push('y'.repeat(TERMINAL_PASTE_MAX_CHARS + 1));
    expect(s.arrived).toEqual([]);
    expect(s.notices.at(-1)).toMatchObject({ kind: 'error', message: expect.stringMatching(/^Not pasted/) });
    s.failOnPiece(1);
    s.input.push('z'.repeat(TERMINAL_PASTE_CHUNK_CHARS * 2));
    await s.settled();
    expect(s.notices.at(-1)).toMatchObject({ kind: 'error', message: expect.stringMatching(/stopped after 64 KB/) });
  });

  it('never splits a character made of two UTF-16 units', () => {
    const parts = pieces('ab😀cd', 3);
    expect(parts.join('')).toBe('ab😀cd');
    expect(parts[0]).toBe('ab');
  });
});
