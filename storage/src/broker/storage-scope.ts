/**
 * What one repl may do in the bucket (docs/security.md, "Storage"): its own objects under
 * `code/<id>/` and `runs/<id>/`, and nothing else. A request is judged on its path-style
 * target, its query, its copy source and (for a batch delete) every key in its body.
 */

export type ScopeVerdict =
  | { ok: true; kind: 'object' | 'list' | 'head-bucket' | 'delete-batch' }
  | { ok: false; why: string };

/** Query parameters each kind of request may carry; anything else (acl, policy, tagging…) is refused. */
const OBJECT_PARAMS = new Set(['x-id', 'uploads', 'uploadId', 'partNumber']);
const LIST_PARAMS = new Set([
  'x-id',
  'list-type',
  'prefix',
  'continuation-token',
  'delimiter',
  'max-keys',
  'start-after',
  'encoding-type',
  'fetch-owner',
]);

export function replPrefixes(replId: string): string[] {
  return [`code/${replId}/`, `runs/${replId}/`];
}

/** A key the repl owns: under one of its prefixes, with no `.`/`..` segment a file-backed store could resolve. */
export function keyInScope(key: string, prefixes: string[]): boolean {
  if (!prefixes.some((p) => key.startsWith(p))) return false;
  return !key.split('/').some((seg) => seg === '.' || seg === '..');
}

export function judgeRequest(
  method: string,
  rawUrl: string,
  headers: Record<string, string | string[] | undefined>,
  bucket: string,
  prefixes: string[],
): ScopeVerdict {
  const url = new URL(rawUrl, 'http://broker');
  const [, first, ...rest] = url.pathname.split('/');
  let target: string;
  let key: string;
  try {
    target = decodeURIComponent(first ?? '');
    key = decodeURIComponent(rest.join('/'));
  } catch {
    return { ok: false, why: 'the request path is not valid percent-encoding' };
  }
  if (target !== bucket) return { ok: false, why: `only bucket ${bucket} is reachable` };
  const params = [...url.searchParams.keys()];

  if (key === '') {
    if (method === 'HEAD' && params.length === 0) return { ok: true, kind: 'head-bucket' };
    if (method === 'GET' && params.every((p) => LIST_PARAMS.has(p))) {
      const prefix = url.searchParams.get('prefix') ?? '';
      return prefixes.some((p) => prefix.startsWith(p))
        ? { ok: true, kind: 'list' }
        : { ok: false, why: `listing is limited to ${prefixes.join(' and ')}` };
    }
    if (method === 'POST' && url.searchParams.has('delete') && params.every((p) => p === 'delete' || p === 'x-id'))
      return { ok: true, kind: 'delete-batch' }; // its keys are checked once the body is read
    return { ok: false, why: `${method} on the bucket is not allowed` };
  }

  if (!['GET', 'HEAD', 'PUT', 'POST', 'DELETE'].includes(method)) return { ok: false, why: `${method} is not allowed` };
  const stray = params.find((p) => !OBJECT_PARAMS.has(p));
  if (stray) return { ok: false, why: `the ${stray} subresource is not allowed` };
  if (!keyInScope(key, prefixes)) return { ok: false, why: `key ${JSON.stringify(key)} is outside this repl` };
  const copy = headers['x-amz-copy-source'];
  if (copy !== undefined) {
    const source = copySourceKey(Array.isArray(copy) ? (copy[0] ?? '') : copy, bucket);
    if (source === null || !keyInScope(source, prefixes))
      return { ok: false, why: 'the copy source is outside this repl' };
  }
  return { ok: true, kind: 'object' };
}

/** `bucket/key` or `/bucket/key`, percent-encoded, maybe with `?versionId=`; null when it names another bucket. */
function copySourceKey(header: string, bucket: string): string | null {
  const [path = ''] = header.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    return null;
  }
  return decoded.startsWith(`${bucket}/`) ? decoded.slice(bucket.length + 1) : null;
}

/** The keys of a DeleteObjects body (`<Delete><Object><Key>…</Key></Object>…</Delete>`), XML-unescaped. */
export function deleteBatchKeys(xml: string): string[] {
  const keys: string[] = [];
  for (const m of xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)) keys.push(unescapeXml(m[1] ?? ''));
  return keys;
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
}
