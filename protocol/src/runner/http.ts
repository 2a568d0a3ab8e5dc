import { z } from 'zod';

/** `GET /activity`: what the idle reaper reads. Only input and file changes count as activity. */
export const ActivityResponse = z.object({
  lastActivityAt: z.number(),
  clients: z.number().int().nonnegative(),
  terminals: z.number().int().nonnegative(),
});
export type ActivityResponse = z.infer<typeof ActivityResponse>;

export const HealthResponse = z.object({ status: z.enum(['ok', 'starting', 'stopping']) });
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `POST /flush?timeout=<seconds>` (bearer runner token): how long to wait for S3 before giving up. */
export const FlushQuery = z.object({
  timeout: z.coerce.number().positive().max(600).default(30),
});
export type FlushQuery = z.infer<typeof FlushQuery>;
