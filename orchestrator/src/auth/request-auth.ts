import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AuthMode } from '@cubicle/protocol';
import type { AccessTokenStore } from '../state/access-token-store.js';
import type { SessionStore } from '../state/session-store.js';
import type { UserStore } from '../state/user-store.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { BOOTSTRAP_USER, LOCAL_USER, type Principal } from './principal.js';
import { secretHash } from './secret-hash.js';

export interface RequestAuthDeps {
  mode: AuthMode;
  /** ORCHESTRATOR_TOKEN: a bootstrap admin credential, if set. */
  bootstrapToken: string | undefined;
  users: UserStore;
  sessions: SessionStore;
  accessTokens: AccessTokenStore;
}

export type Authentication = { ok: true; principal: Principal } | { ok: false; reason: string };

export const bearerOf = (req: IncomingMessage): string | null =>
  /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;

/**
 * Who a request is: a bearer token (ORCHESTRATOR_TOKEN or a personal access token) wins; then,
 * with AUTH=oidc, the session cookie; with AUTH=none and no ORCHESTRATOR_TOKEN, the local user.
 * A bearer that does not verify is refused outright, never read as "no credentials".
 */
export class RequestAuth {
  private readonly bootstrap: Buffer | null;

  constructor(private readonly deps: RequestAuthDeps) {
    this.bootstrap = deps.bootstrapToken === undefined ? null : Buffer.from(secretHash(deps.bootstrapToken), 'hex');
    if (deps.mode === 'none') deps.users.ensureBuiltin(LOCAL_USER.id, LOCAL_USER.name);
    if (this.bootstrap) deps.users.ensureBuiltin(BOOTSTRAP_USER.id, BOOTSTRAP_USER.name);
  }

  get mode(): AuthMode {
    return this.deps.mode;
  }

  authenticate(req: IncomingMessage): Authentication {
    const bearer = bearerOf(req);
    if (bearer !== null) return this.byBearer(bearer);
    if (this.deps.mode === 'oidc') {
      const session = this.deps.sessions.lookup(readCookie(req, SESSION_COOKIE));
      const user = session && this.deps.users.get(session.userId);
      if (!session || !user) return { ok: false, reason: 'not signed in (or the session has ended): sign in again' };
      return { ok: true, principal: { userId: user.id, admin: user.admin, via: 'session', sessionHash: session.hash } };
    }
    if (this.bootstrap) return { ok: false, reason: 'send Authorization: Bearer <ORCHESTRATOR_TOKEN>' };
    return { ok: true, principal: { userId: LOCAL_USER.id, admin: true, via: 'local' } };
  }

  private byBearer(bearer: string): Authentication {
    if (this.bootstrap && timingSafeEqual(Buffer.from(secretHash(bearer), 'hex'), this.bootstrap)) {
      return { ok: true, principal: { userId: BOOTSTRAP_USER.id, admin: true, via: 'bootstrap' } };
    }
    const userId = this.deps.accessTokens.lookup(bearer);
    const user = userId === null ? undefined : this.deps.users.get(userId);
    if (!user) return { ok: false, reason: 'this token is not valid (revoked, expired or mistyped)' };
    return { ok: true, principal: { userId: user.id, admin: user.admin, via: 'access-token' } };
  }
}
