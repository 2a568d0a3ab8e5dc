import { z } from 'zod';

/**
 * Error codes shared by every runner ack and REST error body (docs/protocol.md, "Errors").
 * They read like errno on purpose: a client maps them to words once, for every operation.
 */
export const ErrorCode = z.enum([
  'EINVAL', // malformed payload, or an operation that makes no sense (e.g. read a directory)
  'ENOENT',
  'EEXIST',
  'EACCES', // outside the workspace, or refused by policy; on the REST API: not signed in (401)
  'EFORBIDDEN', // signed in, but not allowed (an admin's route, a request from another origin)
  'EQUOTA', // a per-user limit (repls, running repls) is reached; the message names it
  'E2BIG', // over a size limit
  'ECONFLICT', // stale baseVersion
  'EBINARY', // text was required and the file is binary
  'EUNAVAILABLE', // shutting down, or a dependency (object storage) is unreachable
  'ESANDBOX', // a repl's sandbox failed to start or died (orchestrator)
  'EINTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  /** ECONFLICT only: the version now on disk, so a client can offer "overwrite" or "reload". */
  version: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export type AckOk<T> = { ok: true } & T;
export interface AckError {
  ok: false;
  error: ErrorBody;
}
/** The one shape every acknowledged event answers with. */
export type Ack<T> = AckOk<T> | AckError;

/** Server→client push for a failed event that carried no ack callback. */
export const EventErrorPush = z.object({ event: z.string(), error: ErrorBody });
export type EventErrorPush = z.infer<typeof EventErrorPush>;

/** The HTTP status of each code, for every REST surface (orchestrator API, runner API). */
const HTTP_STATUS: Record<ErrorCode, number> = {
  EINVAL: 400,
  EACCES: 401,
  EFORBIDDEN: 403,
  EQUOTA: 403,
  ENOENT: 404,
  ECONFLICT: 409,
  EEXIST: 409,
  E2BIG: 413,
  EBINARY: 415,
  EINTERNAL: 500,
  ESANDBOX: 502,
  EUNAVAILABLE: 503,
};

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
