import type { ErrorBody, ErrorCode } from '@cubicle/protocol';

/** An error a client should see as it is: a protocol code and a sentence. */
export class RunnerError extends Error {
  override readonly name = 'RunnerError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly version?: string,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return this.version === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, version: this.version };
  }
}

const fsCodes: Record<string, ErrorCode> = {
  ENOENT: 'ENOENT',
  ENOTDIR: 'ENOENT',
  EEXIST: 'EEXIST',
  ENOTEMPTY: 'EEXIST',
  EACCES: 'EACCES',
  EPERM: 'EACCES',
  EISDIR: 'EINVAL',
  EINVAL: 'EINVAL',
  ENAMETOOLONG: 'EINVAL',
  EFBIG: 'E2BIG',
  ENOSPC: 'E2BIG',
};

/** Maps a Node file-system error to the protocol's codes, naming the workspace path, never the host path. */
export function fromFsError(err: unknown, relPath: string): RunnerError {
  if (err instanceof RunnerError) return err;
  const sysCode = (err as NodeJS.ErrnoException | undefined)?.code;
  const code = (sysCode && fsCodes[sysCode]) || 'EINTERNAL';
  const what = sysCode ?? 'error';
  return new RunnerError(code, `${what}: ${relPath === '' ? '(workspace root)' : relPath}`);
}
