import { timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../sha256.js';

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export interface SignedRequest {
  method: string;
  /** The request target as received: path and query, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Checks a request's SigV4 signature (Authorization header form) against the one key pair the
 * store accepts, by signing the same canonical request again. s3rver alone accepts any secret
 * with a known key id. Returns why the request is refused, or null when the signature matches.
 */
export async function signatureProblem(
  req: SignedRequest,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<string | null> {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return 'only requests signed in the Authorization header are accepted';
  const m = AUTHORIZATION.exec(auth);
  if (!m) return 'the Authorization header is not an AWS4-HMAC-SHA256 signature';
  const [, keyId = '', , region = '', signedList = '', signature = ''] = m;
  if (keyId !== credentials.accessKeyId) return 'unknown access key id';
  const date = AMZ_DATE.exec(String(req.headers['x-amz-date'] ?? ''));
  if (!date) return 'x-amz-date is missing or malformed';
  const [, y, mo, d, h, mi, sec] = date.map(Number) as number[];
  const signingDate = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, sec));
  const signed = signedList.split(';');
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = req.headers[name];
    if (value === undefined) return `signed header ${name} is missing`;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const url = new URL(req.url, 'http://embedded.invalid');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const had = query[k];
    query[k] = had === undefined ? v : [...(Array.isArray(had) ? had : [had]), v];
  }
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials,
    sha256: Sha256,
    uriEscapePath: false, // S3 signs the path as sent
    applyChecksum: false,
  });
  const again = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: headers.host ?? '', path: url.pathname, query, headers },
    { signingDate, signableHeaders: new Set(signed) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers.authorization))?.[1] ?? '';
  const same = expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return same ? null : 'the signature does not match';
}
