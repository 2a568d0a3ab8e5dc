import { isKeyTooLong } from '../object-keys.js';

/**
 * The storage broker's reading of a request (docs/security.md, "Storage"): the S3 operations a
 * runner uses, and nothing else, each with its parameters parsed and checked by type. What goes
 * upstream is rebuilt from this reading (`upstreamTarget`), never the bytes the sandbox sent, so
 * the store cannot read a request differently from the way the broker judged it.
 */
export type S3Operation =
  | { op: 'HeadBucket' }
  | { op: 'ListObjectsV2'; params: ListParams }
  | { op: 'DeleteObjects' }
  | { op: 'HeadObject' | 'GetObject' | 'PutObject' | 'CreateMultipartUpload'; key: string }
  | { op: 'CopyObject'; key: string; sourceKey: string }
  | { op: 'UploadPart'; key: string; uploadId: string; partNumber: number }
  | { op: 'CompleteMultipartUpload' | 'AbortMultipartUpload'; key: string; uploadId: string };

export interface ListParams {
  prefix: string;
  'continuation-token'?: string;
  'start-after'?: string;
  'max-keys'?: string;
  delimiter?: string;
  'encoding-type'?: string;
  'fetch-owner'?: string;
}

export type ParsedRequest =
  | { ok: true; operation: S3Operation }
  /** 400: not a well-formed request; 403: well-formed, but not an operation a repl may do. */
  | { ok: false; status: 400 | 403; code: 'InvalidRequest' | 'AccessDenied'; why: string };

/** What a raw path or header may hold: RFC 3986's unreserved and sub-delims, `:@/`, and escapes. */
const RAW_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
/** An escape that stands for a slash, a dot or a backslash reads one way in a URL and another on disk. */
const AMBIGUOUS_ESCAPE = /%(2f|2e|5c)/i;
/** `%` followed by anything but two hex digits. */
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;
/** The store's upload ids (s3rver: 32 hex digits; AWS and MinIO: base64-like): one path segment, never `.`/`..`. */
const UPLOAD_ID = /^[A-Za-z0-9][A-Za-z0-9._~=+-]{0,1023}$/;
const PART_NUMBER = /^[1-9][0-9]{0,4}$/;
const MAX_PART_NUMBER = 10_000;
const CONTINUATION_TOKEN = /^[A-Za-z0-9+/=_.-]{1,4096}$/;

/** Query parameters with the one value each may take (undefined: any value, checked by the operation). */
const LIST_PARAM_VALUES: Record<keyof ListParams | 'list-type' | 'x-id', RegExp | null> = {
  'list-type': /^2$/,
  'x-id': /^ListObjectsV2$/,
  prefix: null,
  'continuation-token': CONTINUATION_TOKEN,
  'start-after': null,
  'max-keys': /^(1000|[1-9][0-9]{0,2})$/,
  delimiter: /^\/$/,
  'encoding-type': /^url$/,
  'fetch-owner': /^(true|false)$/,
};

const refuse = (why: string): ParsedRequest => ({ ok: false, status: 403, code: 'AccessDenied', why });
const malformed = (why: string): ParsedRequest => ({ ok: false, status: 400, code: 'InvalidRequest', why });

/**
 * Reads `method rawTarget` (the request line's target, still percent-encoded) and the copy
 * source header into one operation on `bucket`, or says why not. Which keys the repl may touch
 * is judged afterwards (storage-scope.ts); this only decides what the request means.
 */
export function parseS3Request(
  method: string,
  rawTarget: string,
  copySource: string | undefined,
  bucket: string,
): ParsedRequest {
  if (rawTarget.includes('#')) return malformed('a request target may not hold #');
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const query = parseQuery(q === -1 ? '' : rawTarget.slice(q + 1));
  if (typeof query === 'string') return malformed(query);
  if (!rawPath.startsWith('/')) return malformed('the request target is not a path');
  const slash = rawPath.indexOf('/', 1);
  const rawBucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
  if (rawBucket !== bucket) return refuse(`only bucket ${bucket} is reachable`);
  const names = [...query.keys()];
  const only = (...allowed: string[]) => names.every((n) => allowed.includes(n));
  const xId = query.get('x-id');

  if (slash === -1 || slash === rawPath.length - 1) {
    if (method === 'HEAD' && names.length === 0) return { ok: true, operation: { op: 'HeadBucket' } };
    if (method === 'GET' && query.get('list-type') === '2') return parseList(query);
    if (method === 'POST' && query.get('delete') === '' && only('delete', 'x-id') && (!xId || xId === 'DeleteObjects'))
      return { ok: true, operation: { op: 'DeleteObjects' } }; // its keys are read from the body
    return refuse(`${method} on the bucket is not allowed`);
  }

  const key = readKey(rawPath.slice(slash + 1), { trailingSlash: true });
  if (typeof key !== 'string') return malformed(`the object key ${key.why}`);
  const operation = (op: S3Operation['op']) => (!xId || xId === op ? null : `x-id=${xId} does not fit ${method}`);

  if ((method === 'GET' || method === 'HEAD') && only('x-id')) {
    const op = method === 'GET' ? 'GetObject' : 'HeadObject';
    const wrong = operation(op);
    return wrong ? malformed(wrong) : { ok: true, operation: { op, key } };
  }
  if (method === 'PUT' && only('x-id')) {
    if (copySource === undefined) {
      const wrong = operation('PutObject');
      return wrong ? malformed(wrong) : { ok: true, operation: { op: 'PutObject', key } };
    }
    const wrong = operation('CopyObject');
    if (wrong) return malformed(wrong);
    const sourceKey = readCopySource(copySource, bucket);
    if (typeof sourceKey !== 'string') return sourceKey;
    return { ok: true, operation: { op: 'CopyObject', key, sourceKey } };
  }
  if (method === 'POST' && query.get('uploads') === '' && only('uploads', 'x-id')) {
    const wrong = operation('CreateMultipartUpload');
    return wrong ? malformed(wrong) : { ok: true, operation: { op: 'CreateMultipartUpload', key } };
  }
  const uploadId = query.get('uploadId');
  if (uploadId === undefined) return refuse(`${method} with ${names.join(', ') || 'no parameters'} is not allowed`);
  if (!UPLOAD_ID.test(uploadId)) return malformed('uploadId is not an upload id this store issues');
  if (method === 'PUT' && only('uploadId', 'partNumber', 'x-id')) {
    if (copySource !== undefined) return refuse('copying into a part is not allowed');
    const part = query.get('partNumber') ?? '';
    if (!PART_NUMBER.test(part) || Number(part) > MAX_PART_NUMBER)
      return malformed('partNumber must be a whole number from 1 to 10,000');
    const wrong = operation('UploadPart');
    return wrong
      ? malformed(wrong)
      : { ok: true, operation: { op: 'UploadPart', key, uploadId, partNumber: Number(part) } };
  }
  if ((method === 'POST' || method === 'DELETE') && only('uploadId', 'x-id')) {
    const op = method === 'POST' ? 'CompleteMultipartUpload' : 'AbortMultipartUpload';
    const wrong = operation(op);
    return wrong ? malformed(wrong) : { ok: true, operation: { op, key, uploadId } };
  }
  return refuse(`${method} with ${names.join(', ')} is not allowed`);
}

/** The request target sent upstream: the path and query rebuilt from the operation, in S3's canonical encoding. */
export function upstreamTarget(operation: S3Operation, bucket: string): string {
  const base = `/${uriEscape(bucket)}`;
  const withQuery = (path: string, query: [string, string][]) =>
    query.length === 0 ? path : `${path}?${query.map(([k, v]) => (v === '' ? k : `${k}=${uriEscape(v)}`)).join('&')}`;
  switch (operation.op) {
    case 'HeadBucket':
      return base;
    case 'ListObjectsV2':
      return withQuery(base, [
        ['list-type', '2'],
        ...Object.entries(operation.params).filter((e): e is [string, string] => e[1] !== undefined),
      ]);
    case 'DeleteObjects':
      return withQuery(base, [['delete', '']]);
    case 'HeadObject':
    case 'GetObject':
    case 'PutObject':
    case 'CopyObject':
      return `${base}/${escapeKey(operation.key)}`;
    case 'CreateMultipartUpload':
      return withQuery(`${base}/${escapeKey(operation.key)}`, [['uploads', '']]);
    case 'UploadPart':
      return withQuery(`${base}/${escapeKey(operation.key)}`, [
        ['partNumber', String(operation.partNumber)],
        ['uploadId', operation.uploadId],
      ]);
    case 'CompleteMultipartUpload':
    case 'AbortMultipartUpload':
      return withQuery(`${base}/${escapeKey(operation.key)}`, [['uploadId', operation.uploadId]]);
  }
}

/** The copy source header sent upstream for a key: `bucket/key`, canonically encoded. */
export function upstreamCopySource(bucket: string, key: string): string {
  return `${uriEscape(bucket)}/${escapeKey(key)}`;
}

/**
 * Why a decoded key (or, with `prefix`, the start of one) is not one a repl may name, or null:
 * control characters, backslashes, empty, `.` or `..` segments are read differently by
 * different stores and file systems, so none of them is ever sent.
 */
export function keySyntaxProblem(key: string, opts: { trailingSlash?: boolean; prefix?: boolean } = {}): string | null {
  if (key === '') return 'is empty';
  if (isKeyTooLong(key)) return 'is over 1,024 bytes';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'holds a control character';
  if (key.includes('\\')) return 'holds a backslash';
  const segments = key.split('/');
  const last = segments.length - 1;
  for (const [i, s] of segments.entries()) {
    if (s === '.' || s === '..') return 'has a . or .. segment';
    if (s === '' && !(i === last && (opts.trailingSlash || opts.prefix))) return 'has an empty segment';
  }
  return null;
}

/** S3's (RFC 3986) escaping of one path segment or query value, as its signatures expect. */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function escapeKey(key: string): string {
  return key.split('/').map(uriEscape).join('/');
}

/** A percent-encoded key from a path or a header, decoded once and checked; or why it is refused. */
function readKey(raw: string, opts: { trailingSlash?: boolean } = {}): string | { why: string } {
  if (!RAW_CHARS.test(raw)) return { why: 'holds characters that must be percent-encoded' };
  if (BAD_ESCAPE.test(raw)) return { why: 'is not valid percent-encoding' };
  if (AMBIGUOUS_ESCAPE.test(raw)) return { why: 'encodes a slash, a dot or a backslash' };
  let key: string;
  try {
    key = decodeURIComponent(raw);
  } catch {
    return { why: 'is not UTF-8' };
  }
  const problem = keySyntaxProblem(key, opts);
  return problem ? { why: problem } : key;
}

/** `bucket/key` or `/bucket/key`, percent-encoded; a version (`?versionId=`) or a fragment is refused. */
function readCopySource(header: string, bucket: string): string | ParsedRequest {
  if (header.includes('?') || header.includes('#')) return malformed('the copy source may not hold ? or #');
  const path = header.startsWith('/') ? header.slice(1) : header;
  const slash = path.indexOf('/');
  if (slash === -1 || path.slice(0, slash) !== bucket) return refuse(`only bucket ${bucket} is reachable`);
  const key = readKey(path.slice(slash + 1));
  return typeof key === 'string' ? key : malformed(`the copy source ${key.why}`);
}

function parseList(query: Map<string, string>): ParsedRequest {
  const params: ListParams = { prefix: '' };
  for (const [name, value] of query) {
    if (!(name in LIST_PARAM_VALUES)) return refuse(`the ${name} parameter is not allowed on a listing`);
    const pattern = LIST_PARAM_VALUES[name as keyof typeof LIST_PARAM_VALUES];
    if (pattern && !pattern.test(value)) return malformed(`${name}=${JSON.stringify(value)} is not allowed`);
    if (name !== 'list-type' && name !== 'x-id') params[name as keyof ListParams] = value;
  }
  const problem = params.prefix === '' ? null : keySyntaxProblem(params.prefix, { prefix: true });
  if (problem) return malformed(`the listing prefix ${problem}`);
  const after = params['start-after'];
  const afterProblem = after === undefined ? null : keySyntaxProblem(after, { trailingSlash: true });
  if (afterProblem) return malformed(`start-after ${afterProblem}`);
  return { ok: true, operation: { op: 'ListObjectsV2', params } };
}

/** `a=1&b` into a map, each name once, each part strictly decoded; or why not. */
function parseQuery(raw: string): Map<string, string> | string {
  const out = new Map<string, string>();
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const [rawName, rawValue] = eq === -1 ? [part, ''] : [part.slice(0, eq), part.slice(eq + 1)];
    // `+` is a space to a form decoder and a plus to S3: it is only taken encoded.
    if (!RAW_CHARS.test(part) || part.includes('+') || BAD_ESCAPE.test(part))
      return 'the query string is not canonically encoded';
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName);
      value = decodeURIComponent(rawValue);
    } catch {
      return 'the query string is not UTF-8';
    }
    if (name === '' || out.has(name)) return `the query parameter ${JSON.stringify(name)} is empty or repeated`;
    out.set(name, value);
  }
  return out;
}
