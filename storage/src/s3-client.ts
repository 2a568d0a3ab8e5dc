import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3Settings } from './s3-settings.js';
import { CONNECT_TIMEOUT_MS, MAX_SOCKETS, REQUEST_TIMEOUT_MS } from './tuning.js';

// Node 20 is supported by the SDK until its end of life; the warning is noise in our logs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3ClientOptions {
  /** SDK-level attempts per call; sync retries on its own schedule and passes 1. */
  maxAttempts?: number;
}

/**
 * The one S3 client configuration every part of Cubicle uses, AWS or not.
 * Checksums only where an operation requires them: with the SDK's default (always), streamed
 * bodies are sent aws-chunked, which S3-compatible servers such as s3rver store verbatim, framing
 * included — silent corruption.
 */
export function createS3Client(settings: S3Settings, opts: S3ClientOptions = {}): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS };
  // Through a storage broker's socket the socket is the capability: the broker checks every request
  // and signs it again with credentials this process never sees, so any key pair will do here.
  const brokered = settings.socketPath !== undefined;
  return new S3Client({
    region: settings.region,
    endpoint: settings.endpoint ?? (brokered ? BROKER_ENDPOINT : undefined),
    forcePathStyle: brokered || settings.forcePathStyle,
    credentials: settings.credentials ?? (brokered ? BROKER_CREDENTIALS : undefined),
    maxAttempts: opts.maxAttempts ?? 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      httpAgent: settings.socketPath
        ? new UnixSocketAgent(settings.socketPath, agentOptions)
        : new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    }),
  });
}

const BROKER_ENDPOINT = 'http://storage.cubicle.internal';
const BROKER_CREDENTIALS = { accessKeyId: 'brokered', secretAccessKey: 'the-socket-is-the-credential' };

/** An HTTP agent whose every connection goes to one Unix socket, whatever host a request names. */
class UnixSocketAgent extends http.Agent {
  constructor(
    private readonly socketPath: string,
    options: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(): net.Socket {
    return net.createConnection({ path: this.socketPath });
  }
}
