import type { S3Operation } from './s3-request.js';

/** Headers with a meaning the broker vouches for; any other `x-amz-*` header is refused, any other header dropped. */
const PASSED = new Set([
  'accept',
  'accept-encoding',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-md5',
  'content-type',
  'expires',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'range',
  'user-agent',
  'x-amz-checksum-mode',
  'x-amz-content-sha256',
  'x-amz-metadata-directive',
  'x-amz-sdk-checksum-algorithm',
  'x-amz-user-agent',
]);
/** Families of headers that describe the body or the object's own metadata. */
const PASSED_FAMILIES = [/^x-amz-meta-[a-z0-9_-]+$/, /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/];
/** Hop-by-hop headers describe one connection (sandbox to broker, or broker to store), never the next. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** The sandbox's own signature and framing: the broker signs and frames its own request. */
const DROPPED = new Set([...HOP_BY_HOP, 'authorization', 'expect', 'host', 'x-amz-date', 'x-amz-security-token']);
const COPY_ONLY = new Set(['x-amz-metadata-directive']);

/**
 * The headers sent upstream for `operation`, or why the request is refused. The copy source is
 * not among them: the broker writes its own from the key it judged.
 */
export function forwardedHeaders(
  incoming: Record<string, string | string[] | undefined>,
  operation: S3Operation,
): Record<string, string> | { why: string } {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(incoming)) {
    if (raw === undefined || DROPPED.has(name) || name === 'x-amz-copy-source') continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    const known = PASSED.has(name) || PASSED_FAMILIES.some((f) => f.test(name));
    if (!known) {
      if (name.startsWith('x-amz-')) return { why: `the ${name} header is not allowed` };
      continue;
    }
    if (COPY_ONLY.has(name) && operation.op !== 'CopyObject') return { why: `${name} belongs to a copy` };
    out[name] = value;
  }
  const directive = out['x-amz-metadata-directive'];
  if (directive !== undefined && directive !== 'COPY' && directive !== 'REPLACE')
    return { why: 'x-amz-metadata-directive must be COPY or REPLACE' };
  const payload = out['x-amz-content-sha256'];
  // A chunk-signed body carries the sandbox's signatures inside it: no store could take it as it is.
  if (payload !== undefined && payload !== 'UNSIGNED-PAYLOAD' && !/^[0-9a-f]{64}$/.test(payload))
    return { why: 'only unsigned or whole-body-hashed payloads are accepted' };
  if (/aws-chunked/i.test(out['content-encoding'] ?? '')) return { why: 'aws-chunked bodies are not accepted' };
  // One range of whole byte positions: what the runner asks for, and what every store reads alike.
  if (out.range !== undefined && !/^bytes=(\d{1,19}-\d{0,19}|-\d{1,19})$/.test(out.range))
    return { why: 'range must be one byte range (bytes=first-last)' };
  return out;
}

/** Headers that describe a body the broker replaced: they would not match the body it sends. */
export function dropBodyChecksums(headers: Record<string, string>): void {
  for (const name of Object.keys(headers))
    if (name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm' || name === 'content-md5')
      delete headers[name];
}
