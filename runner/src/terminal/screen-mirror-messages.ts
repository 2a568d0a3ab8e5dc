/** Messages between the runner and its screen-mirror worker. `key` names one mirrored terminal. */
export type MirrorRequest =
  | { type: 'open'; key: number; cols: number; rows: number; scrollback: number; harvestQuietMs: number }
  /** Output exactly as clients were sent it (UTF-8, whole characters); the buffer is transferred. */
  | { type: 'write'; key: number; data: Uint8Array }
  | { type: 'resize'; key: number; cols: number; rows: number }
  | { type: 'snapshot'; key: number; requestId: number }
  | { type: 'dispose'; key: number };

export type MirrorReply =
  /** The worker has parsed `bytes` more of a terminal's output (drives the mirror's flow control). */
  | { type: 'processed'; key: number; bytes: number }
  | { type: 'title'; key: number; title: string }
  | { type: 'snapshot'; requestId: number; data: string };
