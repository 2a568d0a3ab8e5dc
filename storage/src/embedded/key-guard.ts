import { isKeyTooLong, MAX_KEY_BYTES } from '../object-keys.js';

/** What s3rver appends to a key's last segment to name the files it keeps for it. */
const S3RVER_SUFFIX = '._S3rver_';
/** s3rver keeps `<segment>._S3rver_metadata.json` beside each object: 22 bytes on top of the name. */
const MAX_SEGMENT_BYTES = 255 - `${S3RVER_SUFFIX}metadata.json`.length;

/**
 * Why the embedded store cannot hold a key, in S3's words, or null. Keys are mapped onto its
 * data folder, so a segment the filesystem cannot name, or `.`/`..`, is refused up front.
 */
export function keyProblem(key: string): { code: string; message: string } | null {
  if (isKeyTooLong(key))
    return { code: 'KeyTooLongError', message: `Your key is too long (over ${MAX_KEY_BYTES} bytes)` };
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..')
      return { code: 'InvalidArgument', message: 'A key segment may not be . or .. in this store' };
    // s3rver names its own files `<segment>._S3rver_<kind>`: a key that spells one would collide with them.
    if (segment.includes(S3RVER_SUFFIX))
      return { code: 'InvalidArgument', message: `A key segment may not hold ${S3RVER_SUFFIX} in this store` };
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      return {
        code: 'KeyTooLongError',
        message: `A name in this key is over ${MAX_SEGMENT_BYTES} bytes, more than this store can keep`,
      };
  }
  return null;
}
