import type { ErrorBody, ErrorCode } from '@cubicle/protocol';

const STATUS: Record<ErrorCode, number> = {
  EINVAL: 400,
  EACCES: 401,
  ENOENT: 404,
  ECONFLICT: 409,
  EEXIST: 409,
  E2BIG: 413,
  EBINARY: 415,
  EINTERNAL: 500,
  ESANDBOX: 502,
  EUNAVAILABLE: 503,
};

/** An error an API caller sees as it is: the HTTP status follows from the protocol code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return STATUS[this.code];
  }

  toBody(): { error: ErrorBody } {
    return { error: { code: this.code, message: this.message } };
  }
}
