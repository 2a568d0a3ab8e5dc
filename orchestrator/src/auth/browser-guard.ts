import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../api-error.js';
import { bearerOf } from './request-auth.js';

/** A header only a script or the IDE's own fetch sets: a form or an `<img>` cannot. */
export const CLIENT_HEADER = 'x-cubicle-client';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface BrowserGuardOptions {
  /** Host headers this server answers as the IDE and API (`localhost:8080`, `cubicle.example.com`). */
  hosts: Set<string>;
  /** Origins whose pages may change things (the IDE's). */
  origins: Set<string>;
}

/**
 * What a web page must not be able to do with the user's ambient credentials (the session
 * cookie, or loopback trust with AUTH=none): reach this server under a name it does not serve
 * (DNS rebinding), or change anything from another origin (CSRF; a repl's preview is another
 * origin). Requests with a bearer token carry their credential explicitly and pass.
 */
export function browserGuard(opts: BrowserGuardOptions) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (bearerOf(req) !== null) return next();
    const host = (req.headers.host ?? '').toLowerCase();
    if (!opts.hosts.has(host)) {
      return next(new ApiError('EFORBIDDEN', `this server does not answer for host "${host}"`));
    }
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined && !opts.origins.has(origin)) {
      return next(new ApiError('EFORBIDDEN', `requests from ${origin} may not change anything here`));
    }
    const json = /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
    if (!json && req.headers[CLIENT_HEADER] === undefined) {
      return next(
        new ApiError(
          'EFORBIDDEN',
          `send Content-Type: application/json or an ${CLIENT_HEADER} header (CSRF protection)`,
        ),
      );
    }
    next();
  };
}

/** The Host header values a URL is reached by (`http://localhost:80` is also plain `localhost`). */
export function hostsOf(url: string): string[] {
  const u = new URL(url);
  const defaultPort = u.protocol === 'https:' ? '443' : '80';
  const host = u.host.toLowerCase();
  return u.port === '' ? [host, `${host}:${defaultPort}`] : u.port === defaultPort ? [host, u.hostname] : [host];
}
