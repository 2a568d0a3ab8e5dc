import fs from 'node:fs';
import {
  RUNNER_TOKEN_ALGORITHM,
  RUNNER_TOKEN_AUDIENCE,
  RUNNER_TOKEN_ISSUER,
  RunnerKeySet,
  type RunnerPublicKey,
  RunnerTokenClaims,
} from '@cubicle/protocol';
import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyObject,
  SignJWT,
} from 'jose';
import { KEYS_RELOAD_MIN_MS } from '../tuning.js';

export interface MintOptions {
  /** The orchestrator's Ed25519 private key and its key id. */
  privateKey: KeyObject | CryptoKey;
  kid: string;
  replId: string;
  user: string;
  ttlSeconds: number;
}

/** A new Ed25519 key pair for signing runner tokens: the private key, its JWK (to store) and the public JWK (to publish). */
export async function generateRunnerKey(
  kid: string,
): Promise<{ kid: string; privateKey: CryptoKey; privateJwk: JWK; publicJwk: RunnerPublicKey }> {
  const { privateKey, publicKey } = await generateKeyPair(RUNNER_TOKEN_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  const x = (await exportJWK(publicKey)).x ?? '';
  return {
    kid,
    privateKey,
    privateJwk: await exportJWK(privateKey),
    publicJwk: { kty: 'OKP', crv: 'Ed25519', x, kid, alg: RUNNER_TOKEN_ALGORITHM, use: 'sig' },
  };
}

/** Issues a runner token: the orchestrator's job (it alone holds a private key). */
export async function mintRunnerToken({ privateKey, kid, replId, user, ttlSeconds }: MintOptions): Promise<string> {
  return new SignJWT({ repl: replId })
    .setProtectedHeader({ alg: RUNNER_TOKEN_ALGORITHM, typ: 'JWT', kid })
    .setIssuer(RUNNER_TOKEN_ISSUER)
    .setSubject(user)
    .setAudience(RUNNER_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(privateKey);
}

/**
 * The public keys a runner accepts tokens from, read from the key-set file the orchestrator
 * publishes (read-only to the runner). A token naming a key id not yet known makes it read the
 * file again (at most every KEYS_RELOAD_MIN_MS), so a rotation needs no restart.
 */
export class RunnerKeyRing {
  private resolve: JWTVerifyGetKey | null = null;
  private kids = new Set<string>();
  private version = '';
  private checkedAt = 0;

  constructor(private readonly file: string) {}

  /** Reads the file now; throws with the reason when it is missing or not a key set. */
  load(): void {
    const version = fileVersion(fs.statSync(this.file));
    const set = RunnerKeySet.parse(JSON.parse(fs.readFileSync(this.file, 'utf8')));
    this.resolve = createLocalJWKSet(set);
    this.kids = new Set(set.keys.map((k) => k.kid));
    this.version = version;
    this.checkedAt = Date.now();
  }

  /**
   * Verifies the signature (EdDSA with a published key only), issuer, audience, expiry and that
   * the token names this runner's repl. Returns the claims, or null for any token not good here.
   */
  async verify(token: unknown, replId: string): Promise<RunnerTokenClaims | null> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) return null;
    try {
      this.refresh(kidOf(token));
      const { payload } = await jwtVerify(token, this.resolve as JWTVerifyGetKey, {
        algorithms: [RUNNER_TOKEN_ALGORITHM],
        audience: RUNNER_TOKEN_AUDIENCE,
        issuer: RUNNER_TOKEN_ISSUER,
        requiredClaims: ['exp', 'sub', 'repl'],
      });
      const claims = RunnerTokenClaims.safeParse(payload);
      return claims.success && claims.data.repl === replId ? claims.data : null;
    } catch {
      return null;
    }
  }

  /**
   * Follows the file: a key id it does not know makes it look at once (a rotation just
   * happened), otherwise it looks at most every KEYS_RELOAD_MIN_MS (a retired key goes).
   * Looking is one stat; the file is parsed again only when it changed.
   */
  private refresh(kid: string | undefined): void {
    const unknown = kid !== undefined && !this.kids.has(kid);
    if (this.resolve && !unknown && Date.now() - this.checkedAt < KEYS_RELOAD_MIN_MS) return;
    this.checkedAt = Date.now();
    const st = fs.statSync(this.file, { throwIfNoEntry: false });
    if (!this.resolve || (st && fileVersion(st) !== this.version)) this.load();
  }
}

/** Changes whenever the orchestrator replaces the file (a rename gives a new inode). */
function fileVersion(st: fs.Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`;
}

function kidOf(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/** `Authorization: Bearer <token>` → the token, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
