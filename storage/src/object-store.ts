import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { forEachLimit } from './for-each-limit.js';
import { createS3Client, type S3ClientOptions } from './s3-client.js';
import type { S3Settings } from './s3-settings.js';
import { StorageError, toStorageError } from './storage-error.js';
import {
  COPY_CONCURRENCY,
  DELETE_BATCH,
  MULTIPART_PART_BYTES,
  MULTIPART_QUEUE_SIZE,
  MULTIPART_THRESHOLD_BYTES,
} from './tuning.js';

export interface ObjectSummary {
  key: string;
  size: number;
  /** Without quotes. For single-part uploads S3 makes it the MD5 of the content. */
  etag: string;
}

/** User metadata Cubicle keeps on every workspace object (x-amz-meta-*; lower-case keys). */
export interface ObjectMeta {
  /** Unix permission bits as octal text, e.g. "755": the executable bit survives a round trip. */
  mode?: string;
  /** Hex MD5 of the content, so content can be compared even when the ETag is a multipart one. */
  md5?: string;
}

export interface ObjectBody {
  body: Readable;
  size: number;
  etag: string;
  meta: ObjectMeta;
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');

/**
 * Bucket operations with S3 semantics and Cubicle's error words: listings are paginated to the end,
 * large bodies go up in parts, deletes are batched. Errors are StorageError.
 */
export class ObjectStore {
  readonly client: S3Client;
  readonly bucket: string;
  private readonly where: { endpoint: string; bucket: string };

  constructor(settings: S3Settings, opts: S3ClientOptions = {}) {
    this.client = createS3Client(settings, opts);
    this.bucket = settings.bucket;
    this.where = { endpoint: settings.endpoint ?? `s3.${settings.region}.amazonaws.com`, bucket: settings.bucket };
  }

  /** Fails with a clear StorageError when the store is unreachable, the bucket missing or the keys wrong. */
  async checkBucket(): Promise<void> {
    await this.call(() => this.client.send(new HeadBucketCommand({ Bucket: this.bucket }))).catch(
      (err: StorageError) => {
        // HeadBucket has no body, so a missing bucket arrives as a bare 404.
        throw err.kind === 'not-found'
          ? new StorageError('no-bucket', `bucket ${this.bucket} does not exist at ${this.where.endpoint}`)
          : err;
      },
    );
  }

  /** Makes the bucket (S3 CreateBucket): for a store that starts empty, as an in-cluster MinIO does. */
  async createBucket(): Promise<void> {
    await this.call(() => this.client.send(new CreateBucketCommand({ Bucket: this.bucket })));
  }

  /** Every object under the prefix, page after page (S3 returns at most 1,000 per page). */
  async *list(prefix: string): AsyncGenerator<ObjectSummary> {
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token })),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0, etag: unquote(o.ETag) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async head(key: string): Promise<(ObjectSummary & { meta: ObjectMeta }) | null> {
    try {
      const r = await this.call(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return { key, size: r.ContentLength ?? 0, etag: unquote(r.ETag), meta: r.Metadata ?? {} };
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'not-found') return null;
      throw err;
    }
  }

  async get(key: string): Promise<ObjectBody> {
    const r = await this.call(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })));
    return { body: r.Body as Readable, size: r.ContentLength ?? 0, etag: unquote(r.ETag), meta: r.Metadata ?? {} };
  }

  /** Uploads a body of known size; returns the stored ETag. Multipart above the threshold. */
  async put(key: string, body: Buffer | Readable, size: number, meta: ObjectMeta = {}): Promise<string> {
    const Metadata = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    if (size <= MULTIPART_THRESHOLD_BYTES) {
      const r = await this.call(() =>
        this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size, Metadata }),
        ),
      );
      return unquote(r.ETag);
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body, Metadata },
      partSize: MULTIPART_PART_BYTES,
      queueSize: MULTIPART_QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const r = await this.call(() => upload.done());
    return unquote(r.ETag);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.call(() =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: toKey,
          CopySource: `${this.bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'COPY',
        }),
      ),
    );
  }

  /** Every key under the prefix, all pages. */
  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const o of this.list(prefix)) keys.push(o.key);
    return keys;
  }

  /**
   * Server-side copy of every object under `fromPrefix` to the same name under `toPrefix`
   * (metadata included; nothing passes through this process). Returns how many were copied.
   */
  async copyPrefix(fromPrefix: string, toPrefix: string): Promise<number> {
    const keys = await this.listKeys(fromPrefix);
    await forEachLimit(keys, COPY_CONCURRENCY, (key) => this.copy(key, toPrefix + key.slice(fromPrefix.length)));
    return keys.length;
  }

  /** Deletes every object under the prefix; returns how many there were. */
  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.listKeys(prefix);
    await this.deleteKeys(keys);
    return keys.length;
  }

  /** Deletes the keys (missing ones are fine), a thousand per request. */
  async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const r = await this.call(() =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      const failed = r.Errors ?? [];
      if (failed.length > 0) {
        throw new StorageError(
          'server',
          `could not delete ${failed.length} objects, first: ${failed[0]?.Key} (${failed[0]?.Code})`,
        );
      }
    }
  }

  destroy(): void {
    this.client.destroy();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toStorageError(err, this.where);
    }
  }
}
