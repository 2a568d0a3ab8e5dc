import { SignJWT } from 'jose';

export interface ForgedClaims {
  repl: string;
  audience?: string;
  /** Seconds from now; negative for an expired token; null for no `exp` claim at all. */
  expiresIn?: number | null;
}

/** Signs tokens the runner must refuse (expired, wrong audience, no expiry), for auth tests. */
export function forgeToken(
  secret: string,
  { repl, audience = 'runner', expiresIn = 600 }: ForgedClaims,
): Promise<string> {
  const jwt = new SignJWT({ repl }).setProtectedHeader({ alg: 'HS256' }).setSubject('tester').setAudience(audience);
  if (expiresIn !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}
