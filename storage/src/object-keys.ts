/** S3's own limit on an object key, in UTF-8 bytes: a key over it is refused by every S3 service. */
export const MAX_KEY_BYTES = 1024;

export function isKeyTooLong(key: string): boolean {
  return Buffer.byteLength(key) > MAX_KEY_BYTES;
}
