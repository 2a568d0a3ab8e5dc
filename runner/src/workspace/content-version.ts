import { createHash } from 'node:crypto';

/** Version of a file's content: equal bytes give equal versions, so a no-op save never conflicts. */
export function contentVersion(data: Buffer): string {
  return createHash('sha256').update(data).digest('base64url').slice(0, 22);
}
