import { z } from 'zod';

export const AuditAction = z.enum([
  'repl.create',
  'repl.start',
  'repl.stop',
  'repl.delete',
  'env.set',
  'env.delete',
  'repl.error',
  'token.issue',
  'keys.rotate', // the runner-token signing key changed (replId is empty)
  'repl.share', // the preview's share level changed
  'preview.signin', // a user signed in to a private preview (the gateway's hand-off)
  'user.quota', // an admin changed a user's limits (replId is empty)
  'token.create', // a personal access token was made (replId is empty)
  'token.revoke',
  'user.signin', // replId is empty
]);
export type AuditAction = z.infer<typeof AuditAction>;

export const AuditEvent = z.object({
  id: z.number().int(),
  at: z.string().describe('ISO 8601'),
  /** Who: the user's id (`local` without sign-in, `api-token` for ORCHESTRATOR_TOKEN), `idle-reaper`, or `orchestrator` (boot reconcile, crash monitor). */
  actor: z.string(),
  action: AuditAction,
  replId: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = z.object({
  replId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Events with an id below this one (paging backwards from the newest). */
  before: z.coerce.number().int().positive().optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditList = z.object({ events: z.array(AuditEvent) });
export type AuditList = z.infer<typeof AuditList>;
