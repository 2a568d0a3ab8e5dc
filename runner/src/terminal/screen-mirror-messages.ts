/** Messages between the runner and its screen-mirror worker. `key` names one mirrored terminal. */
export type MirrorRequest =
  | { type: 'open'; key: number; cols: number; rows: number; scrollback: number }
  /** `chars`: how much terminal output this write stands for (data may be shorter, see EvictedOutputFilter). */
  | { type: 'write'; key: number; data: string; chars: number }
  | { type: 'resize'; key: number; cols: number; rows: number }
  | { type: 'snapshot'; key: number; requestId: number }
  | { type: 'dispose'; key: number };

export type MirrorReply =
  | { type: 'processed'; key: number; chars: number }
  | { type: 'title'; key: number; title: string }
  | { type: 'snapshot'; requestId: number; data: string };
