import { z } from 'zod';

export const RUNNER_TOKEN_AUDIENCE = 'runner';
export const RUNNER_TOKEN_ISSUER = 'cubicle-orchestrator';
/** Runner tokens are signed with Ed25519 keys (JWS `EdDSA`); nothing else is accepted. */
export const RUNNER_TOKEN_ALGORITHM = 'EdDSA';

/** Claims of the JWT a client presents in the Socket.io handshake (`auth.token`). */
export const RunnerTokenClaims = z.object({
  repl: z.string().min(1),
  sub: z.string().min(1),
  aud: z.literal(RUNNER_TOKEN_AUDIENCE),
  iss: z.literal(RUNNER_TOKEN_ISSUER),
  exp: z.number().int(),
});
export type RunnerTokenClaims = z.infer<typeof RunnerTokenClaims>;

/** One public key a runner accepts tokens from (a JWK; the private half never leaves the orchestrator). */
export const RunnerPublicKey = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string().min(1),
  kid: z.string().min(1).max(64),
  alg: z.literal(RUNNER_TOKEN_ALGORITHM),
  use: z.literal('sig'),
});
export type RunnerPublicKey = z.infer<typeof RunnerPublicKey>;

/**
 * The key set runners read (`RUNNER_KEYS_FILE`, a JWKS): the key tokens are signed with now, the
 * next one (published before it is used, so a rotation never outruns a slow file update) and
 * retired ones until tokens signed with them have expired.
 */
export const RunnerKeySet = z.object({ keys: z.array(RunnerPublicKey).max(16) });
export type RunnerKeySet = z.infer<typeof RunnerKeySet>;
