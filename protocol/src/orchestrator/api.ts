import { z } from 'zod';
import { ErrorBody } from '../errors.js';

/** Every orchestrator error response: `{ error: { code, message } }` with the matching HTTP status. */
export const ApiErrorResponse = z.object({ error: ErrorBody });
export type ApiErrorResponse = z.infer<typeof ApiErrorResponse>;

/** `/readyz`: 200 only when `ok`; `degraded` names what is down (the embedded storage, while it restarts). */
export const OrchestratorHealth = z.object({
  status: z.enum(['ok', 'starting', 'stopping', 'degraded']),
  reason: z.string().optional(),
});
export type OrchestratorHealth = z.infer<typeof OrchestratorHealth>;

/** `POST /api/signing-keys/rotate`: key ids after a rotation of the runner-token signing key. */
export const KeyRotation = z.object({
  /** Signs tokens from now on (it was published as `next` before, so every runner trusts it already). */
  current: z.string(),
  /** Published now, signs at the next rotation. */
  next: z.string(),
  /** Stays published until the tokens it signed have expired. */
  retired: z.string(),
});
export type KeyRotation = z.infer<typeof KeyRotation>;
