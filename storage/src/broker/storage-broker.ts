import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { createS3Client } from '../s3-client.js';
import type { S3Settings } from '../s3-settings.js';
import { Sha256 } from '../sha256.js';
import { BROKER_COMPLETE_BODY_BYTES, BROKER_DELETE_BODY_BYTES, BROKER_UPLOAD_ANSWER_BYTES } from '../tuning.js';
import { dropBodyChecksums, forwardedHeaders, HOP_BY_HOP } from './forwarded-headers.js';
import { completedParts, completedPartsXml, deleteBatchKeys, deleteBatchXml, escapeXml } from './multipart-bodies.js';
import { parseS3Request, type S3Operation, upstreamCopySource, upstreamTarget } from './s3-request.js';
import { keyInScope, replPrefixes, scopeProblem } from './storage-scope.js';
import { UploadRegistry } from './upload-registry.js';

/**
 * The storage broker (docs/security.md, "Storage"): each running repl's runner reaches object
 * storage only through a Unix socket of its own. Every request on it is read into one of the S3
 * operations a runner uses (s3-request.ts), judged against that repl's prefixes, then rebuilt
 * from that reading, signed with the real credentials and sent on. The sandbox holds no
 * credential worth stealing: the socket is the capability, and it opens one repl's objects.
 */
/** Where the broker reports refusals and upstream failures (pino's `warn` fits). */
export interface BrokerLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What the broker sends upstream in place of the sandbox's body, if anything. */
type Body = Buffer | http.IncomingMessage | null;

export class StorageBroker {
  private readonly servers = new Map<string, http.Server>();
  private readonly client: S3Client;
  private readonly upstream: URL;
  private readonly signer: SignatureV4;
  private readonly uploads = new UploadRegistry();

  constructor(
    private readonly settings: S3Settings,
    private readonly log: BrokerLog,
  ) {
    this.client = createS3Client({ ...settings, socketPath: undefined });
    this.upstream = new URL(settings.endpoint ?? `https://s3.${settings.region}.amazonaws.com`);
    this.signer = new SignatureV4({
      service: 's3',
      region: settings.region,
      credentials: () => this.client.config.credentials(),
      sha256: Sha256,
      uriEscapePath: false, // the path is forwarded exactly as the client encoded it
      applyChecksum: false,
    });
  }

  /**
   * Serves `replId` on a socket at `socketPath`, connectable only by `owner` (and root); with no
   * owner, by anyone who can reach the socket's folder (a pod's own volume: `mode` 0666 there).
   */
  async open(
    replId: string,
    socketPath: string,
    owner: { uid: number; gid: number } | null,
    mode = 0o600,
  ): Promise<void> {
    await this.close(replId);
    fs.rmSync(socketPath, { force: true });
    const server = http.createServer((req, res) => void this.handle(replId, req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    fs.chmodSync(socketPath, mode);
    if (owner) fs.chownSync(socketPath, owner.uid, owner.gid);
    this.servers.set(replId, server);
  }

  async close(replId: string): Promise<void> {
    const server = this.servers.get(replId);
    if (!server) return;
    this.servers.delete(replId);
    this.uploads.forgetRepl(replId);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.close(id)));
    this.client.destroy();
  }

  private async handle(replId: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { bucket } = this.settings;
    const copy = req.headers['x-amz-copy-source'];
    const parsed = parseS3Request(method, req.url ?? '/', Array.isArray(copy) ? copy.join(',') : copy, bucket);
    if (!parsed.ok) return this.deny(res, replId, req, parsed.status, parsed.code, parsed.why);
    const operation = parsed.operation;
    const prefixes = replPrefixes(replId);
    const outside = scopeProblem(operation, prefixes);
    if (outside) return this.deny(res, replId, req, 403, 'AccessDenied', outside);
    if ('uploadId' in operation && !this.uploads.owns(replId, operation.uploadId, operation.key))
      return this.deny(res, replId, req, 403, 'AccessDenied', 'this repl started no such upload for this key');
    const headers = forwardedHeaders(req.headers, operation);
    if ('why' in headers) return this.deny(res, replId, req, 400, 'InvalidRequest', headers.why);
    if (operation.op === 'CopyObject') headers['x-amz-copy-source'] = upstreamCopySource(bucket, operation.sourceKey);
    try {
      let body: Body = null;
      if (operation.op === 'PutObject' || operation.op === 'UploadPart') body = req;
      else if (operation.op === 'DeleteObjects' || operation.op === 'CompleteMultipartUpload') {
        const rebuilt = await this.rebuiltBody(replId, operation, req, prefixes);
        if ('why' in rebuilt) return this.deny(res, replId, req, rebuilt.status, rebuilt.code, rebuilt.why);
        body = rebuilt.body;
        dropBodyChecksums(headers);
        headers['content-length'] = String(body.length);
        headers['content-md5'] = createHash('md5').update(body).digest('base64');
        headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
      } else {
        req.resume(); // a body on a request that takes none is not sent on
        delete headers['content-length'];
      }
      await this.forward(replId, operation, headers, body, res);
    } catch (err) {
      this.log.warn({ replId, err }, 'storage broker: upstream request failed');
      if (!res.headersSent)
        s3Error(res, 502, 'ServiceUnavailable', `object storage did not answer: ${(err as Error).message}`);
      else res.destroy();
    }
  }

  /** The body of a batch delete or an upload's completion, read, checked and written anew. */
  private async rebuiltBody(
    replId: string,
    operation: S3Operation,
    req: http.IncomingMessage,
    prefixes: string[],
  ): Promise<{ body: Buffer } | { status: 400 | 403; code: string; why: string }> {
    if (operation.op === 'CompleteMultipartUpload') {
      const parts = completedParts((await readBody(req, BROKER_COMPLETE_BODY_BYTES)).toString('utf8'));
      if (typeof parts === 'string') return { status: 400, code: 'MalformedXML', why: parts };
      const missing = this.uploads.partsProblem(replId, operation.uploadId, parts);
      if (missing) return { status: 400, code: 'InvalidPart', why: missing };
      return { body: Buffer.from(completedPartsXml(parts)) };
    }
    const xml = (await readBody(req, BROKER_DELETE_BODY_BYTES)).toString('utf8');
    const keys = deleteBatchKeys(xml);
    const outside = keys.find((k) => !keyInScope(k, prefixes));
    if (outside !== undefined)
      return { status: 403, code: 'AccessDenied', why: `key ${JSON.stringify(outside)} is outside this repl` };
    return { body: Buffer.from(deleteBatchXml(keys, /<Quiet>\s*true\s*<\/Quiet>/i.test(xml))) };
  }

  private async forward(
    replId: string,
    operation: S3Operation,
    headers: Record<string, string>,
    body: Body,
    res: http.ServerResponse,
  ): Promise<void> {
    headers['x-amz-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
    const target = upstreamTarget(operation, this.settings.bucket);
    const [pathname = '/', search = ''] = target.split(/\?(.*)/s);
    const query: Record<string, string> = Object.fromEntries(new URLSearchParams(search));
    const basePath = this.upstream.pathname.replace(/\/$/, '');
    const method = METHODS[operation.op];
    const signed = await this.signer.sign({
      method,
      protocol: this.upstream.protocol,
      hostname: this.upstream.hostname,
      port: this.upstream.port ? Number(this.upstream.port) : undefined,
      path: basePath + pathname,
      query,
      headers: { ...headers, host: this.upstream.host },
      body: undefined,
    });
    const transport = this.upstream.protocol === 'https:' ? https : http;
    await new Promise<void>((resolve, reject) => {
      const upstream = transport.request(
        {
          method,
          hostname: this.upstream.hostname,
          port: this.upstream.port || undefined,
          path: basePath + target,
          headers: signed.headers,
        },
        (answer) => {
          const status = answer.statusCode ?? 502;
          answer.once('error', reject);
          if (operation.op === 'CreateMultipartUpload' && status === 200) {
            // The upload id is learnt from the answer, so later parts can be tied to this repl and key.
            readBody(answer, BROKER_UPLOAD_ANSWER_BYTES).then((xml) => {
              const uploadId = /<UploadId>([^<]{1,1024})<\/UploadId>/.exec(xml.toString('utf8'))?.[1];
              if (uploadId) this.uploads.record(replId, uploadId, operation.key);
              res.writeHead(status, answerHeaders(answer.headers));
              res.end(xml);
              resolve();
            }, reject);
            return;
          }
          if ((operation.op === 'CompleteMultipartUpload' || operation.op === 'AbortMultipartUpload') && status < 300)
            this.uploads.forget(replId, operation.uploadId);
          if (operation.op === 'UploadPart' && status === 200 && typeof answer.headers.etag === 'string')
            this.uploads.recordPart(replId, operation.uploadId, operation.partNumber, answer.headers.etag);
          res.writeHead(status, answerHeaders(answer.headers));
          answer.pipe(res);
          answer.once('end', resolve);
        },
      );
      upstream.once('error', reject);
      res.once('close', () => upstream.destroy());
      if (body === null || Buffer.isBuffer(body)) upstream.end(body ?? undefined);
      else body.pipe(upstream);
    });
  }

  private deny(
    res: http.ServerResponse,
    replId: string,
    req: http.IncomingMessage,
    status: 400 | 403,
    code: string,
    why: string,
  ): void {
    this.log.warn({ replId, method: req.method, url: req.url?.slice(0, 300), why }, 'storage broker refused a request');
    req.resume();
    s3Error(res, status, code, `${status === 403 ? 'Access Denied' : 'Refused'}: ${why}`);
  }
}

const METHODS: Record<S3Operation['op'], string> = {
  HeadBucket: 'HEAD',
  ListObjectsV2: 'GET',
  DeleteObjects: 'POST',
  HeadObject: 'HEAD',
  GetObject: 'GET',
  PutObject: 'PUT',
  CopyObject: 'PUT',
  CreateMultipartUpload: 'POST',
  UploadPart: 'PUT',
  CompleteMultipartUpload: 'POST',
  AbortMultipartUpload: 'DELETE',
};

/** The store's answer headers for the sandbox, without those of the broker's own connection upstream. */
function answerHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new Error(`a body over ${limit} bytes`));
      } else chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}
