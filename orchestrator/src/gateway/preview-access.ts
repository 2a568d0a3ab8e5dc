import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthMode, isLocalPath, type PreviewTicket, type PreviewTicketRequest } from '@cubicle/protocol';
import { ApiError } from '../api-error.js';
import { PREVIEW_COOKIE, readCookie, serializeCookie } from '../auth/cookies.js';
import type { Principal } from '../auth/principal.js';
import { newSecret, secretHash } from '../auth/secret-hash.js';
import type { AuditLog } from '../state/audit-log.js';
import type { Db } from '../state/database.js';
import type { ReplRow } from '../state/repl-store.js';
import type { SessionStore } from '../state/session-store.js';
import type { UserStore } from '../state/user-store.js';
import { PREVIEW_TICKET_TTL_MS } from '../tuning.js';
import type { HostPatterns } from './host-patterns.js';

/** The preview host's path that trades a ticket for the preview cookie (no app can use it). */
export const PREVIEW_AUTH_PATH = '/__cubicle/auth';

export interface PreviewAccessDeps {
  mode: AuthMode;
  db: Db;
  sessions: SessionStore;
  users: UserStore;
  repl(id: string): ReplRow | undefined;
  /** Whether a user may use the repl (ReplService.allows: its owner, or an admin). */
  allows(replId: string, user: { id: string; admin: boolean }): boolean;
  hosts: HostPatterns;
  /** The IDE's address: where a browser without a preview cookie is sent to sign in. */
  publicUrl(): string;
  audit: AuditLog;
}

/** What the gateway may do with a preview request. */
export type PreviewDecision =
  /** `viewer`: the requester is allowed on the repl (may see its output on error pages). */
  { allow: true; viewer: boolean } | { allow: false };

interface Ticket {
  sessionHash: string;
  userId: string;
  replId: string;
  host: string;
  expiresAt: number;
}

/**
 * Private previews (docs/security.md, "Previews"). A preview host is another site than the IDE,
 * so the IDE's cookie never reaches it; instead the IDE host mints a one-time ticket (60 s,
 * tied to the user's session, the repl and the exact host), the browser carries it to the
 * preview host, and the gateway trades it for a cookie of that host alone. Signing out of the
 * IDE ends every preview cookie with the session. In the IDE's frame the cookie is partitioned
 * (CHIPS), so it works where third-party cookies are blocked.
 */
export class PreviewAccess {
  private readonly tickets = new Map<string, Ticket>();

  constructor(private readonly deps: PreviewAccessDeps) {}

  /** `POST /api/repls/:id/preview-ticket`: the caller is already authorized on the repl. */
  ticketFor(replId: string, who: Principal, req: PreviewTicketRequest): PreviewTicket {
    const host = this.deps.hosts.host('preview', replId, req.port);
    const expiresAt = new Date(Date.now() + PREVIEW_TICKET_TTL_MS).toISOString();
    if (this.deps.mode === 'none') return { url: `${this.scheme}://${host}${req.path}`, expiresAt };
    if (!who.sessionHash) throw new ApiError('EFORBIDDEN', 'preview tickets are for signed-in browsers');
    return { url: this.mint(who.sessionHash, who.userId, replId, host, req.path), expiresAt };
  }

  /** A ticket's address on the preview host, which lands on `path` once the cookie is set. */
  mint(sessionHash: string, userId: string, replId: string, host: string, path: string): string {
    this.sweep();
    const ticket = newSecret();
    this.tickets.set(secretHash(ticket), {
      sessionHash,
      userId,
      replId,
      host: host.toLowerCase(),
      expiresAt: Date.now() + PREVIEW_TICKET_TTL_MS,
    });
    const q = new URLSearchParams({ ticket, path });
    return `${this.scheme}://${host}${PREVIEW_AUTH_PATH}?${q}`;
  }

  /** Whether a request to a preview host of `replId` reaches the app. */
  decide(req: IncomingMessage, replId: string): PreviewDecision {
    if (this.deps.mode === 'none') return { allow: true, viewer: true };
    if (this.grantHolder(req, replId)) return { allow: true, viewer: true };
    if (this.deps.repl(replId)?.share === 'public') return { allow: true, viewer: false };
    // A CORS preflight never carries cookies: let the app answer it, so its own API calls work.
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) return { allow: true, viewer: false };
    return { allow: false };
  }

  /** The answer to a refused request: a browser is sent to sign in, an API client gets 401. */
  refuse(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? '';
    const navigating =
      req.headers['sec-fetch-mode'] === 'navigate' ||
      ((req.method === 'GET' || req.method === 'HEAD') && /text\/html/.test(req.headers.accept ?? ''));
    if (navigating) {
      const q = new URLSearchParams({ host, path: req.url ?? '/' });
      res.writeHead(302, { location: `${this.deps.publicUrl()}/auth/preview?${q}`, 'cache-control': 'no-store' }).end();
      return;
    }
    const body = JSON.stringify({
      error: { code: 'EACCES', message: 'this preview is private: sign in to Cubicle, or ask its owner to share it' },
    });
    res.writeHead(401, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  }

  /** `GET <preview host>/__cubicle/auth?ticket=…&path=…`: the ticket for the cookie, then on to `path`. */
  exchange(req: IncomingMessage, res: ServerResponse, replId: string): void {
    const url = new URL(req.url ?? '/', 'http://preview');
    const secret = url.searchParams.get('ticket') ?? '';
    const path = url.searchParams.get('path') ?? '/';
    const key = secretHash(secret);
    const ticket = this.tickets.get(key);
    this.tickets.delete(key); // one use, whatever happens next
    const host = (req.headers.host ?? '').toLowerCase();
    const session = ticket && this.deps.sessions.byHash(ticket.sessionHash);
    if (!ticket || ticket.expiresAt < Date.now() || ticket.replId !== replId || ticket.host !== host || !session) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('This sign-in link is used up or expired. Open the preview again from Cubicle.');
      return;
    }
    const grant = newSecret();
    const maxAgeMs = this.deps.sessions.limits.absoluteMs;
    this.deps.db
      .prepare('INSERT INTO preview_grants (hash, session_hash, repl_id, host, expires_at) VALUES (?, ?, ?, ?, ?)')
      .run(secretHash(grant), ticket.sessionHash, replId, host, Date.now() + maxAgeMs);
    this.deps.audit.record(ticket.userId, 'preview.signin', replId, { host });
    res.writeHead(302, {
      'set-cookie': serializeCookie(PREVIEW_COOKIE, grant, this.cookieOptions(maxAgeMs, host)),
      location: isLocalPath(path) ? path : '/',
      'cache-control': 'no-store',
    });
    res.end();
  }

  /** Grants past their time (sessions' ends take theirs by cascade). */
  prune(): void {
    this.deps.db.prepare('DELETE FROM preview_grants WHERE expires_at <= ?').run(Date.now());
    this.sweep();
  }

  private grantHolder(req: IncomingMessage, replId: string): boolean {
    const cookie = readCookie(req, PREVIEW_COOKIE);
    if (!cookie) return false;
    const grant = this.deps.db
      .prepare('SELECT session_hash, repl_id, host, expires_at FROM preview_grants WHERE hash = ?')
      .get(secretHash(cookie)) as
      | { session_hash: string; repl_id: string; host: string; expires_at: number }
      | undefined;
    if (!grant || grant.repl_id !== replId || grant.host !== (req.headers.host ?? '').toLowerCase()) return false;
    if (grant.expires_at <= Date.now()) return false;
    const session = this.deps.sessions.byHash(grant.session_hash);
    const user = session && this.deps.users.get(session.userId);
    return !!user && this.deps.allows(replId, user);
  }

  /**
   * `SameSite=None; Secure; Partitioned`, so the cookie also works in the IDE's preview frame (a
   * cross-site frame, where a Lax cookie is never set and third-party cookies may be blocked).
   * Browsers take Secure cookies over https and from `localhost` names (a secure context); plain
   * http on another name cannot have them: Lax there, which works in a tab but not in the frame.
   */
  private cookieOptions(maxAgeMs: number, host: string) {
    const hostname = host.replace(/:\d+$/, '');
    const secureContext = this.deps.hosts.secure || hostname === 'localhost' || hostname.endsWith('.localhost');
    return secureContext
      ? { maxAgeMs, secure: true, sameSite: 'None' as const, partitioned: true }
      : { maxAgeMs, secure: false, sameSite: 'Lax' as const };
  }

  private get scheme(): string {
    return this.deps.hosts.secure ? 'https' : 'http';
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, t] of this.tickets) if (t.expiresAt < now) this.tickets.delete(key);
  }
}
