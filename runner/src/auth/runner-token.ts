import { RUNNER_TOKEN_AUDIENCE, RunnerTokenClaims } from '@cubicle/protocol';
import { jwtVerify, SignJWT } from 'jose';

const encoder = new TextEncoder();

export interface MintOptions {
  secret: string;
  replId: string;
  user: string;
  ttlSeconds: number;
}

/** Issues a runner token (the orchestrator's job in production; `runner token` locally). */
export async function mintRunnerToken({ secret, replId, user, ttlSeconds }: MintOptions): Promise<string> {
  return new SignJWT({ repl: replId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setAudience(RUNNER_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(encoder.encode(secret));
}

/**
 * Verifies signature (HS256 only), audience, expiry and that the token names this runner's
 * repl. Returns the claims, or null for any token that is not good for this runner.
 */
export async function verifyRunnerToken(
  token: unknown,
  secret: string,
  replId: string,
): Promise<RunnerTokenClaims | null> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return null;
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      audience: RUNNER_TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'sub', 'repl'],
    });
    const claims = RunnerTokenClaims.safeParse(payload);
    return claims.success && claims.data.repl === replId ? claims.data : null;
  } catch {
    return null;
  }
}

/** `Authorization: Bearer <token>` → the token, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
