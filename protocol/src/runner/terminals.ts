import { z } from 'zod';

/** Ids are chosen by clients (kept in the page URL), so they are bounded and URL-safe. */
export const TerminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'terminal ids are [A-Za-z0-9_-]{1,64}');
export type TerminalId = z.infer<typeof TerminalId>;

/** The terminal `terminal:write`/`resize`/`ack` use when they name none (the original one-shell protocol). */
export const DEFAULT_TERMINAL_ID = 'default';

const Cols = z.number().int().min(2).max(1000);
const Rows = z.number().int().min(1).max(1000);

export const TerminalCreateRequest = z.object({ cols: Cols, rows: Rows, id: TerminalId.optional() });
export const TerminalCreateResult = z.object({ id: TerminalId });

export const TerminalAttachRequest = z.object({ id: TerminalId });
export const TerminalAttachResult = z.object({ id: TerminalId, cols: Cols, rows: Rows });

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

/** One keystroke or one paste; a megabyte bounds a paste without limiting a person. */
export const TerminalWriteRequest = z.object({ id: TerminalId.optional(), data: z.string().max(1 << 20) });
export const TerminalResizeRequest = z.object({ id: TerminalId.optional(), cols: Cols, rows: Rows });
/**
 * Flow control: `bytes` is the sum of `data.length` of `terminal:data` payloads the client has
 * finished rendering since its last ack. The first ack opts the client in.
 */
export const TerminalAckRequest = z.object({
  id: TerminalId.optional(),
  bytes: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export const TerminalCloseRequest = z.object({ id: TerminalId });

export const TerminalDataPush = z.object({ id: TerminalId, data: z.string() });
export type TerminalDataPush = z.infer<typeof TerminalDataPush>;
export const TerminalExitPush = z.object({
  id: TerminalId,
  exitCode: z.number().int(),
  signal: z.number().int().nullable(),
});
export type TerminalExitPush = z.infer<typeof TerminalExitPush>;
