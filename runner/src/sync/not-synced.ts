import { isKeyTooLong, StorageError } from '@cubicle/storage';

/** A file storage will not take as it is: retrying the same name cannot help, renaming it can. */
export class NotStorableError extends Error {
  override readonly name = 'NotStorableError';
}

/** Refuses, before any request, a name no S3 service accepts. */
export function checkStorableKey(key: string): void {
  if (isKeyTooLong(key)) throw new NotStorableError("its path is longer than storage's 1,024-byte limit");
}

/** Why storage refused this file for good, in words for the IDE; null for errors worth retrying. */
export function notStorableReason(err: unknown): string | null {
  if (err instanceof NotStorableError) return err.message;
  if (!(err instanceof StorageError) || err.kind !== 'client') return null;
  if (/KeyTooLong/i.test(err.message)) return 'its name is too long for this storage';
  return `storage refused it (${err.message})`;
}
