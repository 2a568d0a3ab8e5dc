import fs from 'node:fs';
import path from 'node:path';
import type { S3rverContext } from 's3rver';
import { keyProblem } from './key-guard.js';

/** An S3 error the guard answers in s3rver's place. */
export interface GuardRefusal {
  status: number;
  code: string;
  message: string;
}

/** The upload ids s3rver issues (`crypto.randomBytes(16).toString('hex')`). */
const UPLOAD_ID = /^[0-9a-f]{32}$/;
const PART_NUMBER = /^[1-9][0-9]{0,4}$/;
/** S3's bucket names; never `.`, `..` or anything else a path could resolve. */
const BUCKET = /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * The embedded store's own confinement, below the storage broker (docs/security.md, "The
 * embedded storage"): s3rver builds file paths from the bucket, the key, the copy source, the
 * upload id and the part number with `path.join`, so each is checked here before it runs, and
 * an upload answers only for the key it was started for (s3rver takes the key from the upload).
 * The copy source is rewritten to the form s3rver's `decodeURI` turns back into the very key checked.
 */
export function requestProblem(ctx: S3rverContext, directory: string): GuardRefusal | null {
  const [, rawBucket = '', ...rawKey] = ctx.path.split('/');
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(rawBucket);
    key = decodeURIComponent(rawKey.join('/'));
  } catch {
    return invalid('InvalidURI', 'The request path is not valid percent-encoding');
  }
  if (bucket !== '' && !BUCKET.test(bucket)) return invalid('InvalidBucketName', 'The bucket name is not valid');
  const problem = keyProblem(key);
  if (problem) return { status: 400, ...problem };

  const copy = ctx.headers['x-amz-copy-source'];
  if (copy !== undefined) {
    const source = copySource(copy);
    if ('code' in source) return source;
    ctx.headers['x-amz-copy-source'] = encodeURI(`${source.bucket}/${source.key}`);
  }

  const { uploadId, partNumber } = ctx.query;
  if (uploadId !== undefined) {
    if (typeof uploadId !== 'string' || !UPLOAD_ID.test(uploadId))
      return { status: 404, code: 'NoSuchUpload', message: 'The specified upload does not exist' };
    const started = uploadKey(directory, bucket, uploadId);
    if (started !== key)
      return { status: 404, code: 'NoSuchUpload', message: 'The specified upload does not exist for this key' };
  }
  if (
    partNumber !== undefined &&
    (typeof partNumber !== 'string' || !PART_NUMBER.test(partNumber) || Number(partNumber) > 10_000)
  )
    return invalid('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  return null;
}

function copySource(header: string | string[]): { bucket: string; key: string } | GuardRefusal {
  if (typeof header !== 'string' || header.includes('?') || header.includes('#'))
    return invalid('InvalidArgument', 'The copy source must name one object, with no version or fragment');
  const raw = header.startsWith('/') ? header.slice(1) : header;
  const slash = raw.indexOf('/');
  let bucket: string;
  let key: string;
  try {
    bucket = decodeURIComponent(raw.slice(0, slash));
    key = decodeURIComponent(raw.slice(slash + 1));
  } catch {
    return invalid('InvalidArgument', 'The copy source is not valid percent-encoding');
  }
  if (slash === -1 || !BUCKET.test(bucket)) return invalid('InvalidArgument', 'The copy source names no bucket');
  const problem = keyProblem(key);
  return problem ? { status: 400, ...problem } : { bucket, key };
}

/** The key an upload was started for (s3rver keeps it in `<bucket>/._S3rver_uploads/<id>/key`), or null. */
function uploadKey(directory: string, bucket: string, uploadId: string): string | null {
  try {
    return fs.readFileSync(path.join(directory, bucket, '._S3rver_uploads', uploadId, 'key'), 'utf8');
  } catch {
    return null;
  }
}

function invalid(code: string, message: string): GuardRefusal {
  return { status: 400, code, message };
}
