/**
 * The two request bodies that name objects or parts: DeleteObjects and CompleteMultipartUpload.
 * The broker reads each into plain values, checks them, and sends a body it wrote itself, so a
 * store's XML parser never sees anything the broker did not judge.
 */

/** The keys of a DeleteObjects body (`<Delete><Object><Key>…</Key></Object>…</Delete>`), XML-unescaped. */
export function deleteBatchKeys(xml: string): string[] {
  return [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unescapeXml(m[1] ?? ''));
}

export function deleteBatchXml(keys: string[], quiet: boolean): string {
  const objects = keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${quiet ? '<Quiet>true</Quiet>' : ''}${objects}</Delete>`;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

/** An ETag as stores issue them for parts: an MD5 in hex (maybe with a `-n` suffix), quoted or not. */
const PART_ETAG = /^"?[0-9A-Za-z]{1,64}(-[0-9]{1,5})?"?$/;

/** The parts of a CompleteMultipartUpload body, each a whole number 1–10,000 with a plain ETag; or why not. */
export function completedParts(xml: string): CompletedPart[] | string {
  const parts: CompletedPart[] = [];
  for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const inner = m[1] ?? '';
    const number = /<PartNumber>\s*([0-9]{1,5})\s*<\/PartNumber>/.exec(inner)?.[1];
    const etag = unescapeXml(/<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1] ?? '');
    if (number === undefined || Number(number) < 1 || Number(number) > 10_000)
      return 'a part number is not a whole number from 1 to 10,000';
    if (!PART_ETAG.test(etag)) return 'a part ETag is not one a store issues';
    parts.push({ partNumber: Number(number), etag });
  }
  if (parts.length === 0) return 'the upload names no parts';
  // S3's own rule (InvalidPartOrder): each part once, in ascending order.
  if (parts.some((p, i) => i > 0 && p.partNumber <= (parts[i - 1]?.partNumber ?? 0)))
    return 'the parts are not in ascending order, each once';
  return parts;
}

export function completedPartsXml(parts: CompletedPart[]): string {
  const items = parts
    .map((p) => `<Part><ETag>${escapeXml(p.etag)}</ETag><PartNumber>${p.partNumber}</PartNumber></Part>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items}</CompleteMultipartUpload>`;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    const code = e.startsWith('#x') ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd';
  });
}
