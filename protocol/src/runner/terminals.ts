import { z } from 'zod';

/** Ids are chosen by clients (kept in the page URL), so they are bounded and URL-safe. */
export const TerminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'terminal ids are [A-Za-z0-9_-]{1,64}');
export type TerminalId = z.infer<typeof TerminalId>;

/** The terminal `terminal:write`/`resize`/`ack` use when they name none (the original one-shell protocol). */
export const DEFAULT_TERMINAL_ID = 'default';

export const TerminalCols = z.number().int().min(2).max(1000);
export const TerminalRows = z.number().int().min(1).max(1000);
const Cols = TerminalCols;
const Rows = TerminalRows;
/** Grants one terminal stream, once, for a few seconds: 32 random bytes, base64url. */
export const TerminalStreamTicket = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a terminal stream ticket');

/**
 * `binary: true` asks for this terminal's `terminal:data` to this socket as bytes: `data` is
 * the UTF-8 output as a Socket.io binary attachment (a Buffer in Node, an ArrayBuffer in a
 * browser), never split inside a character, and acks count those bytes. It spares both ends
 * JSON-escaping every CR LF of a flood (the largest cost of a string payload). Without it,
 * `data` is a string and acks count its length, as in the original protocol.
 */
const Binary = z.boolean().optional();
/**
 * `stream: true` attaches nothing to this socket: the result carries a `ticket` for the
 * terminal's own WebSocket (terminal-stream.ts), which then gets the replay and the output.
 */
const Stream = z.boolean().optional();

export const TerminalCreateRequest = z.object({
  cols: Cols,
  rows: Rows,
  id: TerminalId.optional(),
  binary: Binary,
  stream: Stream,
});
export const TerminalCreateResult = z.object({ id: TerminalId, ticket: TerminalStreamTicket.optional() });

export const TerminalAttachRequest = z.object({ id: TerminalId, binary: Binary, stream: Stream });
export const TerminalAttachResult = z.object({
  id: TerminalId,
  cols: Cols,
  rows: Rows,
  ticket: TerminalStreamTicket.optional(),
});

export const TerminalListRequest = z.object({}).optional();
export const TerminalInfo = z.object({
  id: TerminalId,
  pid: z.number().int(),
  cols: Cols,
  rows: Rows,
  title: z.string(),
  createdAt: z.number(),
});
export type TerminalInfo = z.infer<typeof TerminalInfo>;
export const TerminalListResult = z.object({ terminals: z.array(TerminalInfo) });

/** One keystroke or one piece of a paste; a megabyte bounds a piece without limiting a person. */
export const TERMINAL_INPUT_MAX_CHARS = 1 << 20;
export const TerminalInputData = z.string().max(TERMINAL_INPUT_MAX_CHARS);
export const TerminalWriteRequest = z.object({ id: TerminalId.optional(), data: TerminalInputData });
export const TerminalResizeRequest = z.object({ id: TerminalId.optional(), cols: Cols, rows: Rows });
/**
 * Flow control: `bytes` is the sum of the lengths of `terminal:data` payloads the client has
 * finished rendering since its last ack (characters of a string `data`, bytes of a binary
 * one). The first ack opts the client in.
 */
export const TerminalAckBytes = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const TerminalAckRequest = z.object({ id: TerminalId.optional(), bytes: TerminalAckBytes });
export const TerminalCloseRequest = z.object({ id: TerminalId });

/** Terminal output as bytes: sent as a Node Buffer, received as a Buffer (Node) or an ArrayBuffer (browser). */
export type TerminalBytes = Uint8Array | ArrayBuffer;
export interface TerminalDataPush {
  id: TerminalId;
  /** A string, or UTF-8 bytes for an attachment that asked for `binary`. */
  data: string | TerminalBytes;
}

/** A payload's length as flow control counts it: characters of a string, bytes of binary. */
export function terminalDataLength(data: TerminalDataPush['data']): number {
  return typeof data === 'string' ? data.length : data.byteLength;
}

/** Binary output as a byte view, whichever form the transport delivered. */
export function terminalBytes(data: TerminalBytes): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}
export const TerminalExitPush = z.object({
  id: TerminalId,
  exitCode: z.number().int(),
  signal: z.number().int().nullable(),
});
export type TerminalExitPush = z.infer<typeof TerminalExitPush>;
