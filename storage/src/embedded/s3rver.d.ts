// s3rver ships no types; this is the part of its API Cubicle uses (lib/s3rver.js, 3.7.x).
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    configureBuckets?: { name: string }[];
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
  }

  /** The part of Koa's context the request guard touches. */
  export interface S3rverContext {
    headers: Record<string, string | string[] | undefined>;
    query: Record<string, string | string[] | undefined>;
    path: string;
    method: string;
    /** The request target as received (path and query, percent-encoded). */
    url: string;
    status: number;
    type: string;
    body: unknown;
  }

  export default class S3rver {
    /** Koa's middleware stack (S3rver extends Koa); the guard goes first. */
    middleware: ((ctx: S3rverContext, next: () => Promise<void>) => Promise<void> | void)[];
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
