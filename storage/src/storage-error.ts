/** Why a storage call failed, in the terms a caller acts on. */
export type StorageErrorKind =
  | 'unreachable' // no connection, timeout, DNS: the store is down or the endpoint is wrong
  | 'no-bucket'
  | 'denied' // bad credentials or no permission
  | 'not-found'
  | 'server' // 5xx or throttling: try again later
  | 'client'; // anything else the store refused

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }

  /** Worth retrying with backoff: the same request may succeed later without anyone changing config. */
  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'server';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Classifies an AWS SDK (or socket) error and words it in one line, naming the endpoint and bucket. */
export function toStorageError(err: unknown, where: { endpoint: string; bucket: string }): StorageError {
  if (err instanceof StorageError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const at = `${where.endpoint} (bucket ${where.bucket})`;
  if (
    (e.code && NETWORK_CODES.has(e.code)) ||
    NETWORK_CODES.has(name) ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    (status === undefined && /socket|connect|timed? ?out|network/i.test(e.message ?? ''))
  ) {
    return new StorageError('unreachable', `cannot reach object storage at ${at}: ${e.code ?? e.message ?? name}`, err);
  }
  if (name === 'NoSuchBucket')
    return new StorageError('no-bucket', `bucket ${where.bucket} does not exist at ${where.endpoint}`, err);
  if (
    status === 403 ||
    name === 'InvalidAccessKeyId' ||
    name === 'SignatureDoesNotMatch' ||
    name === 'AccessDenied' ||
    name === 'ExpiredToken'
  ) {
    return new StorageError(
      'denied',
      `object storage at ${at} refused the credentials: ${name === 'Unknown' ? `HTTP ${status}` : name}`,
      err,
    );
  }
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
    return new StorageError('not-found', `not found in ${at}`, err);
  }
  if ((status !== undefined && status >= 500) || status === 429 || name === 'SlowDown') {
    return new StorageError('server', `object storage at ${at} failed: ${name} (HTTP ${status})`, err);
  }
  return new StorageError('client', `object storage at ${at} refused the request: ${name}: ${e.message ?? ''}`, err);
}
