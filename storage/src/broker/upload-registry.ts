import { BROKER_OPEN_UPLOADS } from '../tuning.js';

/**
 * The multipart uploads each repl started through the broker, and for which key. A part, a
 * completion or an abort is only sent for an upload this repl started for that same key: a store
 * that takes the key from the upload (s3rver does) can then not be steered into another's object.
 */
export class UploadRegistry {
  private readonly byRepl = new Map<string, Map<string, string>>();

  record(replId: string, uploadId: string, key: string): void {
    const uploads = this.byRepl.get(replId) ?? new Map<string, string>();
    this.byRepl.set(replId, uploads);
    uploads.delete(uploadId);
    uploads.set(uploadId, key);
    // A runner that abandons uploads cannot grow this without bound: the oldest is forgotten (and then fails).
    for (const oldest of uploads.keys()) {
      if (uploads.size <= BROKER_OPEN_UPLOADS) break;
      uploads.delete(oldest);
    }
  }

  owns(replId: string, uploadId: string, key: string): boolean {
    return this.byRepl.get(replId)?.get(uploadId) === key;
  }

  forget(replId: string, uploadId: string): void {
    this.byRepl.get(replId)?.delete(uploadId);
  }

  forgetRepl(replId: string): void {
    this.byRepl.delete(replId);
  }
}
