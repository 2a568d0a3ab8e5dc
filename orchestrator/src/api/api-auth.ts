import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../api-error.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * With ORCHESTRATOR_TOKEN set, every API call needs `Authorization: Bearer <token>`; without
 * it (loopback only, enforced by the config) calls are the local user's. Sets `res.locals.actor`.
 */
export function apiAuth(token: string | undefined) {
  const expected = token === undefined ? null : digest(token);
  return (req: Request, res: Response, next: NextFunction) => {
    if (expected) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
      if (!m?.[1] || !timingSafeEqual(digest(m[1]), expected)) {
        next(new ApiError('EACCES', 'unauthorized: send Authorization: Bearer <ORCHESTRATOR_TOKEN>'));
        return;
      }
    }
    res.locals.actor = expected ? 'api-token' : 'local';
    next();
  };
}
