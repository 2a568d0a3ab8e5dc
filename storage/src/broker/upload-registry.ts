import { BROKER_OPEN_UPLOADS } from '../tuning.js';
import type { CompletedPart } from './multipart-bodies.js';

interface OpenUpload {
  key: string;
  /** Part number → the ETag the store answered for it (without quotes). */
  parts: Map<number, string>;
}

/**
 * The multipart uploads each repl started through the broker: for which key, and which parts the
 * store took. A part, a completion or an abort is only sent for an upload this repl started for
 * that same key (a store that takes the key from the upload, as s3rver and moto do, can then not
 * be steered into another's object), and a completion only names parts the store took, with their
 * ETags (a part that was never written is not the store's to go looking for).
 */
export class UploadRegistry {
  private readonly byRepl = new Map<string, Map<string, OpenUpload>>();

  record(replId: string, uploadId: string, key: string): void {
    const uploads = this.byRepl.get(replId) ?? new Map<string, OpenUpload>();
    this.byRepl.set(replId, uploads);
    uploads.delete(uploadId);
    uploads.set(uploadId, { key, parts: new Map() });
    // A runner that abandons uploads cannot grow this without bound: the oldest is forgotten (and then fails).
    for (const oldest of uploads.keys()) {
      if (uploads.size <= BROKER_OPEN_UPLOADS) break;
      uploads.delete(oldest);
    }
  }

  owns(replId: string, uploadId: string, key: string): boolean {
    return this.byRepl.get(replId)?.get(uploadId)?.key === key;
  }

  recordPart(replId: string, uploadId: string, partNumber: number, etag: string): void {
    this.byRepl.get(replId)?.get(uploadId)?.parts.set(partNumber, unquote(etag));
  }

  /** Why these parts cannot complete the upload, or null: each one taken by the store, with its ETag. */
  partsProblem(replId: string, uploadId: string, parts: CompletedPart[]): string | null {
    const taken = this.byRepl.get(replId)?.get(uploadId)?.parts;
    for (const p of parts) {
      const etag = taken?.get(p.partNumber);
      if (etag === undefined) return `part ${p.partNumber} was never uploaded`;
      if (etag !== unquote(p.etag)) return `part ${p.partNumber} has another ETag`;
    }
    return null;
  }

  forget(replId: string, uploadId: string): void {
    this.byRepl.get(replId)?.delete(uploadId);
  }

  forgetRepl(replId: string): void {
    this.byRepl.delete(replId);
  }
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
