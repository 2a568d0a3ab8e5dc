import { isLocalPath } from '@cubicle/protocol';
import express, { type Request, type Response, type Router } from 'express';
import { escapeHtml } from '../gateway/gateway-pages.js';
import type { HostPatterns } from '../gateway/host-patterns.js';
import type { PreviewAccess } from '../gateway/preview-access.js';
import type { Logger } from '../log.js';
import type { ReplService } from '../repls/repl-service.js';
import type { AuditLog } from '../state/audit-log.js';
import type { SessionStore } from '../state/session-store.js';
import type { UserStore } from '../state/user-store.js';
import { LOGIN_FLOW_TTL_MS } from '../tuning.js';
import { LOGIN_COOKIE, readCookie, SESSION_COOKIE, serializeCookie } from './cookies.js';
import type { LoginStart, OidcClient } from './oidc-client.js';
import type { RequestAuth } from './request-auth.js';

export interface SignInDeps {
  oidc: OidcClient | null;
  auth: RequestAuth;
  users: UserStore;
  sessions: SessionStore;
  repls: ReplService;
  previews: PreviewAccess;
  hosts: HostPatterns;
  audit: AuditLog;
  /** Cookies on the IDE host are Secure when it is served over https. */
  secure: boolean;
  log: Logger;
}

/** Only a path on this host (no open redirect); anything else lands on the home page. */
const localPath = (p: unknown) => (isLocalPath(p) ? p : '/');

/**
 * `/auth/*` on the IDE host: sign in through the OpenID provider, sign out, and the preview
 * hand-off (`/auth/preview`, which mints a ticket for a preview host; see PreviewAccess).
 */
export function signInRoutes(deps: SignInDeps): Router {
  const router = express.Router();
  const pending = new Map<string, LoginStart & { returnTo: string; expiresAt: number }>();
  const cookie = (name: string, value: string, maxAgeMs: number) =>
    serializeCookie(name, value, { maxAgeMs, secure: deps.secure, sameSite: 'Lax' });

  const failPage = (res: Response, status: number, message: string) =>
    res
      .status(status)
      .type('html')
      .send(
        `<!doctype html><meta charset="utf-8"><meta name="color-scheme" content="dark light"><title>Sign-in failed</title>
<body style="font-family:system-ui;max-width:36rem;margin:5rem auto;color:#d7dae0;background:#16171b">
<h1>Sign-in did not work</h1><p>${escapeHtml(message)}</p><p><a style="color:#7aa2f7" href="/auth/login">Try again</a></p>`,
      );

  router.get('/login', async (req: Request, res: Response) => {
    const returnTo = localPath(req.query.return);
    if (!deps.oidc) {
      // AUTH=none: nobody signs in. Only an ORCHESTRATOR_TOKEN deployment sends a browser here (no
      // loop back to a page that would send it here again): say what to configure instead.
      if (deps.auth.authenticate(req).ok) return res.redirect(302, returnTo);
      return failPage(
        res,
        401,
        'This Cubicle has no sign-in (AUTH=none) and its API needs ORCHESTRATOR_TOKEN. Set AUTH=oidc so that people can sign in.',
      );
    }
    try {
      const now = Date.now();
      for (const [k, p] of pending) if (p.expiresAt < now) pending.delete(k);
      const login = await deps.oidc.begin();
      pending.set(login.state, { ...login, returnTo, expiresAt: now + LOGIN_FLOW_TTL_MS });
      res.setHeader('set-cookie', cookie(LOGIN_COOKIE, login.state, LOGIN_FLOW_TTL_MS));
      res.redirect(302, login.url);
    } catch (err) {
      deps.log.error({ err }, 'the OpenID provider cannot be reached');
      failPage(res, 503, 'The sign-in provider cannot be reached right now. Try again in a minute.');
    }
  });

  router.get('/callback', async (req: Request, res: Response) => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const login = pending.get(state);
    pending.delete(state);
    // The flow must come back to the browser that began it (the login cookie), within its time.
    if (!deps.oidc || !login || login.expiresAt < Date.now() || readCookie(req, LOGIN_COOKIE) !== state) {
      return failPage(res, 400, 'This sign-in link is used up, expired, or was opened in another browser.');
    }
    try {
      const claims = await deps.oidc.finish(new URL(req.originalUrl, 'http://x').search, login);
      const user = deps.users.signedIn(claims);
      const session = deps.sessions.create(user.id);
      deps.audit.record(user.id, 'user.signin', '', { admin: user.admin }, user.id);
      deps.log.info({ userId: user.id, admin: user.admin }, 'signed in');
      res.setHeader('set-cookie', [
        cookie(SESSION_COOKIE, session, deps.sessions.limits.absoluteMs),
        cookie(LOGIN_COOKIE, '', 0),
      ]);
      res.redirect(302, login.returnTo);
    } catch (err) {
      deps.log.warn({ err }, 'sign-in failed');
      failPage(res, 400, `The provider's answer was refused: ${(err as Error).message}`);
    }
  });

  // A POST with the IDE's JSON header (browserGuard): a link on another site cannot sign anyone out.
  router.post('/logout', async (req: Request, res: Response) => {
    deps.sessions.end(readCookie(req, SESSION_COOKIE));
    res.setHeader('set-cookie', cookie(SESSION_COOKIE, '', 0));
    const origin = `${req.protocol}://${req.headers.host}`;
    res.json({ providerLogoutUrl: (await deps.oidc?.endSessionUrl(`${origin}/`)) ?? null });
  });

  // A browser sent here by a private preview's gateway: sign in if needed, then a ticket for that host.
  router.get('/preview', (req: Request, res: Response) => {
    const host = typeof req.query.host === 'string' ? req.query.host.toLowerCase() : '';
    const path = localPath(req.query.path);
    const match = deps.hosts.match(host);
    if (match?.kind !== 'preview') return failPage(res, 400, 'That is not a preview address.');
    const who = deps.auth.authenticate(req);
    if (!who.ok) return res.redirect(302, `/auth/login?${new URLSearchParams({ return: req.originalUrl })}`);
    const { userId, admin } = who.principal;
    if (!who.principal.sessionHash || !deps.repls.allows(match.id, { id: userId, admin })) {
      return failPage(res, 404, `There is no repl ${match.id} that you can open. Its owner may share it with you.`);
    }
    res.redirect(302, deps.previews.mint(who.principal.sessionHash, userId, match.id, host, path));
  });

  return router;
}
