import type { IncomingMessage } from 'node:http';

/** The IDE host's session cookie (host-only: never sent to repl hosts). */
export const SESSION_COOKIE = 'cubicle_session';
/** Binds a sign-in in progress to the browser that began it (no login CSRF). */
export const LOGIN_COOKIE = 'cubicle_login';
/** A preview host's own cookie, set by the gateway after the ticket hand-off. */
export const PREVIEW_COOKIE = 'cubicle_preview';

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** The Cookie header without one cookie: an app behind the gateway never sees Cubicle's own. */
export function withoutCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return header;
  const kept = header.split(';').filter((part) => part.split('=')[0]?.trim() !== name);
  return kept.length ? kept.join(';').trim() : undefined;
}

export interface CookieOptions {
  maxAgeMs: number;
  secure: boolean;
  sameSite: 'Lax' | 'None';
  /** CHIPS: a cookie set inside another site's frame (the IDE's preview) lives in that frame's partition. */
  partitioned?: boolean;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', `SameSite=${o.sameSite}`];
  parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAgeMs / 1000))}`);
  if (o.secure) parts.push('Secure');
  if (o.partitioned) parts.push('Partitioned');
  return parts.join('; ');
}
