import { SignJWT } from 'jose';
import type { TestSigningKey } from './test-keys.js';

export interface ForgedClaims {
  repl: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for an expired token; null for no `exp` claim at all. */
  expiresIn?: number | null;
}

/**
 * Signs tokens the runner must refuse, for auth tests: expired, another audience or issuer, no
 * expiry — with a real key — or HMAC-signed with a string (what a stolen or guessed secret gives).
 */
export function forgeToken(
  signer: TestSigningKey | { hmacSecret: string },
  { repl, audience = 'runner', issuer = 'cubicle-orchestrator', expiresIn = 600 }: ForgedClaims,
): Promise<string> {
  const hmac = 'hmacSecret' in signer;
  const jwt = new SignJWT({ repl })
    .setProtectedHeader(hmac ? { alg: 'HS256' } : { alg: 'EdDSA', kid: signer.kid })
    .setSubject('tester')
    .setIssuer(issuer)
    .setAudience(audience);
  if (expiresIn !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
  return jwt.sign(hmac ? new TextEncoder().encode(signer.hmacSecret) : signer.privateKey);
}
