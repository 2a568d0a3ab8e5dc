import { z } from 'zod';
import { ErrorBody } from '../errors.js';

/** Every orchestrator error response: `{ error: { code, message } }` with the matching HTTP status. */
export const ApiErrorResponse = z.object({ error: ErrorBody });
export type ApiErrorResponse = z.infer<typeof ApiErrorResponse>;

export const OrchestratorHealth = z.object({ status: z.enum(['ok', 'starting', 'stopping']) });
export type OrchestratorHealth = z.infer<typeof OrchestratorHealth>;
