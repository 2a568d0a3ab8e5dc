import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedS3 } from '../embedded/embedded-s3.js';
import { ObjectStore } from '../object-store.js';

export interface TestS3 {
  readonly s3: EmbeddedS3;
  /** A client with the store's own credentials (what the orchestrator holds). */
  readonly store: ObjectStore;
  close(): Promise<void>;
}

/** A real S3-protocol server (embedded s3rver) on a free loopback port, with its data in a temp folder. */
export async function startTestS3(opts: { maxAttempts?: number } = {}): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cubicle-s3-test-'));
  // A secret of its own, as the orchestrator's store has: tests that hunt for it mean something.
  const secretAccessKey = randomBytes(24).toString('hex');
  const s3 = await EmbeddedS3.start({ directory, buckets: ['cubicle-test'], secretAccessKey });
  const store = new ObjectStore(s3.settings(), opts);
  return {
    s3,
    store,
    async close() {
      store.destroy();
      await s3.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
