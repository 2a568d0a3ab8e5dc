import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { createS3Client } from '../s3-client.js';
import type { S3Settings } from '../s3-settings.js';
import { Sha256 } from '../sha256.js';
import { BROKER_DELETE_BODY_BYTES } from '../tuning.js';
import { deleteBatchKeys, judgeRequest, keyInScope, replPrefixes } from './storage-scope.js';

/** Headers never passed upstream: the sandbox's own signature, hop-by-hop ones, and the host. */
const DROPPED_HEADERS = new Set([
  'authorization',
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'x-amz-date',
  'x-amz-security-token',
  'expect',
]);

/**
 * The storage broker (docs/security.md, "Storage"): each running repl's runner reaches object
 * storage only through a Unix socket of its own, and every request on it is judged against that
 * repl's prefixes, then signed with the real credentials and sent on. The sandbox holds no
 * credential worth stealing: the socket is the capability, and it opens one repl's objects.
 */
/** Where the broker reports refusals and upstream failures (pino's `warn` fits). */
export interface BrokerLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export class StorageBroker {
  private readonly servers = new Map<string, http.Server>();
  private readonly client: S3Client;
  private readonly upstream: URL;
  private readonly signer: SignatureV4;

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
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.close(id)));
    this.client.destroy();
  }

  private async handle(replId: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const prefixes = replPrefixes(replId);
    const method = req.method ?? 'GET';
    const verdict = judgeRequest(method, req.url ?? '/', req.headers, this.settings.bucket, prefixes);
    if (!verdict.ok) return this.deny(res, replId, method, req.url, verdict.why);
    try {
      let body: Buffer | http.IncomingMessage = req;
      const headers = forwardedHeaders(req.headers);
      if (verdict.kind === 'delete-batch') {
        const xml = (await readBody(req, BROKER_DELETE_BODY_BYTES)).toString('utf8');
        const keys = deleteBatchKeys(xml);
        const outside = keys.find((k) => !keyInScope(k, prefixes));
        if (outside !== undefined)
          return this.deny(res, replId, method, req.url, `key ${JSON.stringify(outside)} is outside this repl`);
        // Only what was checked goes upstream: the body is rebuilt from the keys read.
        body = Buffer.from(deleteBatchXml(keys, /<Quiet>\s*true\s*<\/Quiet>/i.test(xml)));
        headers['content-length'] = String(body.length);
        headers['content-md5'] = createHash('md5').update(body).digest('base64');
        headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
      }
      await this.forward(method, req.url ?? '/', headers, body, res);
    } catch (err) {
      this.log.warn({ replId, err }, 'storage broker: upstream request failed');
      if (!res.headersSent)
        s3Error(res, 502, 'ServiceUnavailable', `object storage did not answer: ${(err as Error).message}`);
      else res.destroy();
    }
  }

  private async forward(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer | http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    headers['x-amz-content-sha256'] ??= 'UNSIGNED-PAYLOAD';
    const [pathname = '/', search = ''] = path.split(/\?(.*)/s);
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(search)) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const basePath = this.upstream.pathname.replace(/\/$/, '');
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
          path: basePath + path,
          headers: signed.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.once('end', resolve);
          answer.once('error', reject);
        },
      );
      upstream.once('error', reject);
      res.once('close', () => upstream.destroy());
      if (Buffer.isBuffer(body)) upstream.end(body);
      else body.pipe(upstream);
    });
  }

  private deny(res: http.ServerResponse, replId: string, method: string, url: string | undefined, why: string): void {
    this.log.warn({ replId, method, url: url?.slice(0, 300), why }, 'storage broker refused a request');
    s3Error(res, 403, 'AccessDenied', `Access Denied: ${why}`);
  }
}

function forwardedHeaders(incoming: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || DROPPED_HEADERS.has(k)) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new Error(`a delete request body over ${limit} bytes`));
      } else chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function deleteBatchXml(keys: string[], quiet: boolean): string {
  const objects = keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${quiet ? '<Quiet>true</Quiet>' : ''}${objects}</Delete>`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}
