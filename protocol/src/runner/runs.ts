import { z } from 'zod';
import { ProcessName } from './cubicle-config.js';
import { LogLine } from './processes.js';

export const RunStatus = z.enum(['queued', 'running', 'succeeded', 'failed', 'canceled', 'timed_out']);
export type RunStatus = z.infer<typeof RunStatus>;
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'canceled', 'timed_out'];

/** Time-ordered ids: `r` + 9 base-36 digits of epoch ms + 6 random: sorting by id sorts by creation. */
export const RunId = z.string().regex(/^r[0-9a-z]{15}$/, 'not a run id');
export type RunId = z.infer<typeof RunId>;

export const RunRecord = z.object({
  id: RunId,
  /** The task's name from cubicle.json, or null for an ad hoc command. */
  task: ProcessName.nullable(),
  command: z.string(),
  status: RunStatus,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  timeoutSeconds: z.number(),
  /** The last few KB of output, for lists; the whole output streams or is fetched by id. */
  outputTail: z.string(),
  /** Who started it: `api` (REST) or `ide` (Socket.io). */
  trigger: z.enum(['api', 'ide']),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const RunStartRequest = z
  .strictObject({
    task: ProcessName.optional(),
    command: z.string().min(1).max(8192).optional(),
    timeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  })
  .refine((r) => (r.task === undefined) !== (r.command === undefined), 'give exactly one of task or command');
export type RunStartRequest = z.infer<typeof RunStartRequest>;
export const RunIdRequest = z.object({ id: RunId });
export const RunListRequest = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** Runs older than this id (the previous page's `next`). */
  before: RunId.optional(),
});
export type RunListRequest = z.infer<typeof RunListRequest>;
export const RunListResult = z.object({ runs: z.array(RunRecord), next: RunId.nullable() });
export type RunListResult = z.infer<typeof RunListResult>;
export const RunResult = z.object({ run: RunRecord });
/** The whole output of a run (or what follows `after`). */
export const RunLogsRequest = z.object({ id: RunId, after: z.number().int().min(-1).optional() });
export const RunLogsResult = z.object({ lines: z.array(LogLine) });

export const RunStatusPush = RunRecord;
export const RunOutputPush = z.object({ id: RunId, lines: z.array(LogLine) });
export type RunOutputPush = z.infer<typeof RunOutputPush>;
