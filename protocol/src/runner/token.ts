import { z } from 'zod';

export const RUNNER_TOKEN_AUDIENCE = 'runner';

/** Claims of the HS256 JWT a client presents in the Socket.io handshake (`auth.token`). */
export const RunnerTokenClaims = z.object({
  repl: z.string().min(1),
  sub: z.string().min(1),
  aud: z.literal(RUNNER_TOKEN_AUDIENCE),
  exp: z.number().int(),
});
export type RunnerTokenClaims = z.infer<typeof RunnerTokenClaims>;
