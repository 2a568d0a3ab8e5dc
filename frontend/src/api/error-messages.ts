import type { ErrorCode } from '@cubicle/protocol';

const WORDS: Record<ErrorCode, string> = {
  EINVAL: 'That request was not valid',
  ENOENT: 'It no longer exists',
  EEXIST: 'Something with that name already exists',
  EACCES: 'Not allowed',
  EFORBIDDEN: 'Not allowed',
  EQUOTA: 'You are at a limit',
  E2BIG: 'Too large',
  ECONFLICT: 'It was changed by someone else',
  EBINARY: 'It is a binary file',
  EUNAVAILABLE: 'The service is unavailable right now',
  ESANDBOX: 'The sandbox failed',
  EINTERNAL: 'Something went wrong on our side',
};

/** An error from the API or the runner as one sentence a person can act on. */
export function describeError(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' && err.code in WORDS) {
    const words = WORDS[err.code as ErrorCode];
    const message = 'message' in err && typeof err.message === 'string' ? err.message : '';
    return message ? `${words}: ${message}` : `${words}.`;
  }
  return err instanceof Error ? err.message : String(err);
}
