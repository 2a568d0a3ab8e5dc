import { type EmbeddedS3, forEachLimit, type ObjectStore, StorageError, s3SettingsToEnv } from '@cubicle/storage';
import { startTestS3 } from '@cubicle/storage/test-support/test-s3';
import { codePrefix } from '../sync/object-names.js';
import { readBody } from '../sync/object-transfer.js';

export interface S3Harness {
  readonly s3: EmbeddedS3;
  readonly store: ObjectStore;
  /** S3_* and AWS_* variables for a runner child process. */
  env(): Record<string, string>;
  /** Every object of a repl: workspace name → content. */
  objects(replId: string): Promise<Map<string, Buffer>>;
  /** Seeds a repl's objects (name → content, optional octal mode) at concurrency 16. */
  seed(replId: string, files: Record<string, string | Buffer | { content: string; mode: string }>): Promise<void>;
  close(): Promise<void>;
}

/** A real S3-protocol server (embedded s3rver) on a free loopback port with a temp data dir. */
export async function startS3(): Promise<S3Harness> {
  const server = await startTestS3();
  const { s3, store } = server;
  return {
    s3,
    store,
    close: () => server.close(),
    env: () => s3SettingsToEnv(s3.settings()),
    async objects(replId) {
      const prefix = codePrefix(replId);
      const out = new Map<string, Buffer>();
      const keys = await store.listKeys(prefix);
      await forEachLimit(keys, 16, async (key) => {
        try {
          out.set(key.slice(prefix.length), await readBody((await store.get(key)).body));
        } catch (err) {
          if (!(err instanceof StorageError && err.kind === 'not-found')) throw err; // deleted since the listing
        }
      });
      return out;
    },
    async seed(replId, files) {
      await forEachLimit(Object.entries(files), 16, async ([name, spec]) => {
        const { content, mode } =
          typeof spec === 'object' && !Buffer.isBuffer(spec)
            ? spec
            : { content: spec, mode: name.endsWith('/') ? '755' : '644' };
        const body = Buffer.from(content);
        await store.put(codePrefix(replId) + name, body, body.length, { mode });
      });
    },
  };
}
