import { z } from 'zod';
import {
  TERMINAL_INPUT_MAX_CHARS,
  TerminalAckBytes,
  TerminalCols,
  TerminalExitPush,
  TerminalInputData,
  TerminalRows,
} from './terminals.js';

/**
 * A terminal's own WebSocket (docs/protocol.md, "Terminal streams"): its output as bare
 * WebSocket frames and its input, with none of Socket.io's packet encoding on the way. Opened
 * at `ws(s)://<runner>${TERMINAL_STREAM_PATH}?ticket=<ticket>` with a ticket from
 * `terminal:create` or `terminal:attach` with `stream: true`; the first frames replay the
 * screen and scrollback, then output follows live.
 *
 * Runner → client: each frame is output. Binary frames carry UTF-8 bytes (the ticket asked for
 * `binary`), text frames strings; acks count bytes or characters as on Socket.io.
 * Client → runner: each frame is one `TerminalStreamMessage` as JSON text.
 */
export const TERMINAL_STREAM_PATH = '/api/terminal-stream';

export const TerminalStreamMessage = z.discriminatedUnion('type', [
  /** Keystrokes or one piece of a paste, in the order typed. */
  z.object({ type: z.literal('input'), data: TerminalInputData }),
  z.object({ type: z.literal('resize'), cols: TerminalCols, rows: TerminalRows }),
  /** Flow control, as `terminal:ack`: output rendered since the last ack; the first one opts in. */
  z.object({ type: z.literal('ack'), bytes: TerminalAckBytes }),
]);
export type TerminalStreamMessage = z.infer<typeof TerminalStreamMessage>;

/**
 * `TerminalStreamMessage.safeParse`, with an `input` message checked directly: a keystroke's
 * echo waits for it, and zod's general machinery, cold between keystrokes, took ~30 µs of a
 * ~0.5 ms echo. The result is the schema's (the runner's terminal-streams.test.ts compares them).
 */
export function parseTerminalStreamMessage(json: unknown): ReturnType<typeof TerminalStreamMessage.safeParse> {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const { type, data } = json as { type?: unknown; data?: unknown };
    if (type === 'input' && typeof data === 'string' && data.length <= TERMINAL_INPUT_MAX_CHARS) {
      return { success: true, data: { type, data } };
    }
  }
  return TerminalStreamMessage.safeParse(json);
}

/** Close codes of a terminal stream beyond the standard ones (1001: the runner is going away). */
export const TerminalStreamClose = {
  /** The shell ended; the reason is `TerminalStreamExit` as JSON. */
  exited: 4000,
  /** A frame that is not a `TerminalStreamMessage`; the reason says why. */
  invalidMessage: 4400,
} as const;

export const TerminalStreamExit = TerminalExitPush.omit({ id: true });
export type TerminalStreamExit = z.infer<typeof TerminalStreamExit>;
